"""`rollcall evaluate make-classroom`: a generated classroom video to measure recognition on.

Heavy modules (ONNX Runtime, OpenCV, PyAV) are imported inside the handler so `rollcall
--help` stays fast; the levels module is light.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from web.commands import CommandGroups, default_faces_dir, print_result
from web.demo.classroom_levels import LEVELS


def register(groups: CommandGroups) -> None:
    """Add `evaluate make-classroom`."""
    parser = groups.evaluate.add_parser(
        "make-classroom",
        help="write a classroom video of real faces with its roster and expected attendance",
    )
    parser.add_argument("--level", choices=sorted(LEVELS), default="hard")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument(
        "--faces", type=Path, default=None, help="labelled photos (default: ../shared/faces)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--seconds", type=_seconds, default=None, help="a shorter (or longer) clip of the level"
    )
    parser.set_defaults(func=_make_classroom)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 2.0 <= value <= 600.0:
        raise argparse.ArgumentTypeError(f"must be 2 to 600 seconds, not {text}")
    return value


def _make_classroom(args: argparse.Namespace) -> int:
    from recognizer.analyzer import FaceAnalyzer
    from recognizer.config import RecognizerConfig
    from recognizer.errors import RecognizerError
    from web.demo.classroom import make_classroom
    from web.demo.errors import DemoError

    level = LEVELS[args.level]
    if args.seconds is not None:
        level = level.shortened(args.seconds)
    faces = args.faces or default_faces_dir()
    started = time.perf_counter()
    try:
        # The default pack, not the deployment's: which photos count as usable stays the same
        # wherever the clip is made.
        analyzer = FaceAnalyzer.from_config(RecognizerConfig())
        clip = make_classroom(faces, args.out, level, analyzer=analyzer, seed=args.seed)
    except (DemoError, RecognizerError) as error:
        sys.stderr.write(f"rollcall: error: {error}\n")
        return 2
    print_result(
        {
            "level": level.name,
            "seed": args.seed,
            "seconds": level.seconds,
            "video": str(clip.video),
            "roster_csv": str(clip.roster_csv),
            "expected_csv": str(clip.expected_csv),
            "layout_json": str(clip.layout_json),
            "students": len(clip.students),
            "strangers": len(clip.strangers),
            "absentees": len(clip.absentees),
            "elapsed_s": round(time.perf_counter() - started, 1),
        }
    )
    return 0
