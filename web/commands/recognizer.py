"""`rollcall` sub-commands for the recognizer package.

Heavy modules (ONNX Runtime, OpenCV) are imported inside the handlers so `rollcall --help`
stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from web.commands import CommandGroups, default_faces_dir, print_result

if TYPE_CHECKING:
    from recognizer.config import RecognizerConfig

Handler = Callable[[argparse.Namespace], int]


def register(groups: CommandGroups) -> None:
    """Add this package's sub-commands."""
    _register_evaluate(groups)
    _register_bench(groups)


def _register_evaluate(groups: CommandGroups) -> None:
    detection = groups.evaluate.add_parser(
        "detection", help="face detection recall and precision (IoU >= 0.5) against boxes"
    )
    detection.add_argument(
        "--boxes", type=Path, required=True, help="CSV path,left,top,width,height"
    )
    _add_pack_arguments(detection)
    detection.set_defaults(func=_reporting_errors(_evaluate_detection))

    verification = groups.evaluate.add_parser(
        "verification", help="same/different-person accuracy on photo pairs"
    )
    verification.add_argument(
        "--pairs", type=Path, required=True, help="CSV path_a,path_b,same[,origin]"
    )
    _add_pack_arguments(verification)
    verification.set_defaults(func=_reporting_errors(_evaluate_verification))

    identification = groups.evaluate.add_parser(
        "identification",
        help="open-set identification: enrol first photos, probe the rest and strangers",
    )
    identification.add_argument("--labels", type=Path, required=True, help="CSV path,identity")
    _add_pack_arguments(identification)
    identification.set_defaults(func=_reporting_errors(_evaluate_identification))

    video = groups.evaluate.add_parser(
        "video",
        help="a labelled classroom video through the service's presence path: who is marked",
    )
    video.add_argument("--video", type=Path, required=True, help="the classroom video file")
    video.add_argument(
        "--roster", type=Path, required=True, help="CSV identity,enrol_path (enrolled, on roster)"
    )
    video.add_argument(
        "--expected",
        type=Path,
        required=True,
        help="CSV identity,role,arrives_s (role student, stranger or absent)",
    )
    video.add_argument(
        "--analysis-fps",
        type=_positive_float,
        default=None,
        help="frames analysed per second of video (default: the service's setting)",
    )
    _add_pack_arguments(video)
    video.set_defaults(func=_reporting_errors(_evaluate_video))


def _add_pack_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model-pack", type=Path, default=None, help="model pack folder (default: built in)"
    )
    parser.add_argument(
        "--providers",
        default=None,
        help="comma-separated ONNX Runtime providers (default: GPU when available, else CPU)",
    )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 120:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 120, not {text}")
    return value


def _reporting_errors(handler: Handler) -> Handler:
    """Turn the recognizer's own errors (bad model pack, unreadable CSV or photo) into one
    clear line on stderr and exit code 2, instead of a traceback."""

    def run(args: argparse.Namespace) -> int:
        from recognizer.errors import RecognizerError

        try:
            return handler(args)
        except RecognizerError as error:
            sys.stderr.write(f"rollcall: error: {error}\n")
            return 2

    return run


def _config(args: argparse.Namespace) -> RecognizerConfig:
    """The process settings (ROLLCALL_RECOGNIZER__*, .env), with command-line flags on top."""
    from recognizer.config import RecognizerConfig
    from web.settings import Settings

    values = Settings().recognizer.model_dump()
    if args.model_pack is not None:
        values["model_pack"] = args.model_pack
    if args.providers:
        values["providers"] = [name.strip() for name in args.providers.split(",") if name.strip()]
    return RecognizerConfig.model_validate(values)


def _evaluate_detection(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from recognizer.analyzer import FaceAnalyzer
    from recognizer.evaluation import evaluate_detection

    analyzer = FaceAnalyzer.from_config(_config(args))
    print_result(asdict(evaluate_detection(analyzer, args.boxes)))
    return 0


def _evaluate_verification(args: argparse.Namespace) -> int:
    from recognizer.analyzer import FaceAnalyzer
    from recognizer.evaluation import evaluate_verification

    config = _config(args)
    analyzer = FaceAnalyzer.from_config(config)
    report = evaluate_verification(analyzer, args.pairs, config.match_threshold)
    print_result(report.as_json())
    return 0


def _evaluate_identification(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from recognizer.analyzer import FaceAnalyzer
    from recognizer.evaluation import evaluate_identification

    config = _config(args)
    analyzer = FaceAnalyzer.from_config(config)
    report = evaluate_identification(
        analyzer, args.labels, config.match_threshold, config.match_margin
    )
    print_result(asdict(report))
    return 0


def _evaluate_video(args: argparse.Namespace) -> int:
    from web.evaluation.video_run import evaluate_video
    from web.settings import Settings

    settings = Settings()
    settings = settings.model_copy(update={"recognizer": _config(args)})
    report = evaluate_video(args.video, args.roster, args.expected, settings, args.analysis_fps)
    print_result(report.as_json())
    return 0


def _register_bench(groups: CommandGroups) -> None:
    bench = groups.bench.add_parser(
        "recognizer",
        help="detection/embedding speed vs InsightFace FaceAnalysis, roster and index search",
    )
    bench.add_argument(
        "--faces",
        type=Path,
        default=None,
        help="folder of real photos with labels.csv and groups.csv (default: ../shared/faces)",
    )
    bench.add_argument("--quick", action="store_true", help="a smoke run of every stage")
    _add_pack_arguments(bench)
    bench.set_defaults(func=_reporting_errors(_bench_recognizer))
    _register_bench_classroom(groups)


def _register_bench_classroom(groups: CommandGroups) -> None:
    from web.demo.classroom_levels import LEVELS

    bench = groups.bench.add_parser(
        "classroom",
        help="a generated classroom video through `evaluate video`, and FaceAnalysis on the "
        "same frames side by side",
    )
    bench.add_argument("--level", choices=sorted(LEVELS), default="hard")
    bench.add_argument("--seed", type=int, default=0)
    bench.add_argument(
        "--faces", type=Path, default=None, help="labelled photos (default: ../shared/faces)"
    )
    bench.add_argument(
        "--naive-frames", type=int, default=30, help="analysed frames FaceAnalysis runs on"
    )
    bench.add_argument("--analysis-fps", type=_positive_float, default=None)
    _add_pack_arguments(bench)
    bench.set_defaults(func=_reporting_errors(_bench_classroom))


def _bench_classroom(args: argparse.Namespace) -> int:
    import tempfile

    from recognizer.analyzer import FaceAnalyzer
    from recognizer.config import RecognizerConfig
    from web.demo.classroom import make_classroom
    from web.demo.classroom_levels import LEVELS
    from web.evaluation.class_files import read_class
    from web.evaluation.naive import run_naive
    from web.evaluation.video_run import enrol_class, evaluate_video
    from web.settings import Settings

    settings = Settings()
    settings = settings.model_copy(update={"recognizer": _config(args)})
    fps = args.analysis_fps or settings.streamer.analysis_fps
    with tempfile.TemporaryDirectory(prefix="rollcall-classroom-") as folder:
        clip = make_classroom(
            args.faces or default_faces_dir(),
            Path(folder),
            LEVELS[args.level],
            analyzer=FaceAnalyzer.from_config(RecognizerConfig()),
            seed=args.seed,
        )
        analyzer = FaceAnalyzer.from_config(settings.recognizer)
        report = evaluate_video(
            clip.video, clip.roster_csv, clip.expected_csv, settings, fps, analyzer
        )
        truth = read_class(clip.roster_csv, clip.expected_csv)
        templates = enrol_class(analyzer, truth, settings).templates
        naive = run_naive(clip.video, truth, templates, settings.recognizer, fps, args.naive_frames)
    result = {"level": args.level, "seed": args.seed, **report.as_json()}
    for key in ("marks", "latencies_s", "settings"):
        result.pop(key)
    if isinstance(naive, str):
        sys.stderr.write(f"rollcall: {naive}\n")
        result["naive_error"] = naive
    else:
        result.update(naive.as_json())
        result["cpu_ratio_vs_naive"] = round(
            result["cpu_ms_per_frame"] / max(naive.cpu_ms_per_frame, 1e-9), 3
        )
    print_result(result)
    return 0


def _bench_recognizer(args: argparse.Namespace) -> int:
    from recognizer.benchmark import BenchPlan, run_benchmark

    plan = BenchPlan.quick() if args.quick else BenchPlan()
    result = run_benchmark(args.faces or default_faces_dir(), _config(args), plan)
    if result.get("faceanalysis_error"):
        sys.stderr.write(f"rollcall: {result['faceanalysis_error']}\n")
    print_result(result)
    return 0
