"""`rollcall serve` (the live service) and `rollcall bench pipeline` (its end-to-end speed)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from web.commands import CommandGroups, default_faces_dir, print_result
from web.demo.classroom_levels import LEVELS

if TYPE_CHECKING:
    pass

# Native libraries size their thread pools when they load. numpy's BLAS would start one
# thread per core beside ONNX Runtime's own pool and the executor's threads: on a small
# machine they fight over the same cores. One BLAS thread is plenty for gallery searches.
_NATIVE_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_native_threads() -> None:
    """Call before anything imports numpy (so first in a handler)."""
    for name in _NATIVE_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def register(groups: CommandGroups) -> None:
    """Add `rollcall serve` and `rollcall bench pipeline`."""
    serve = groups.root.add_parser(
        "serve", help="run the live service (HTTP API, WebSocket, cameras) until SIGTERM"
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed a demo course, camera and video first; prints a login and where to watch",
    )
    serve.add_argument("--port", type=int, default=None, help="listen port (default: settings)")
    serve.add_argument("--host", default=None, help="listen address (default: settings)")
    serve.set_defaults(func=_serve)

    bench = groups.bench.add_parser(
        "pipeline",
        help="a clip played as N file cameras through the whole service path, "
        "against InsightFace's FaceAnalysis on every frame",
    )
    bench.add_argument(
        "--cameras",
        type=_camera_counts,
        default=(1,),
        help="file cameras playing the clip; several counts (1,2,4,8,16) make a run each",
    )
    bench.add_argument("--seconds", type=float, default=30.0, help="how long the cameras play")
    bench.add_argument(
        "--analysis-fps",
        type=float,
        default=None,
        help="frames analysed per second per camera "
        "(default: the service's setting, ROLLCALL_STREAMER__ANALYSIS_FPS)",
    )
    bench.add_argument(
        "--naive-frames", type=int, default=60, help="clip frames timed through FaceAnalysis"
    )
    bench.add_argument(
        "--classroom",
        choices=sorted(LEVELS),
        default=None,
        help="play a generated classroom of this level (`evaluate make-classroom`) instead "
        "of the demo's clip, its students enrolled from their roster photos",
    )
    bench.add_argument(
        "--faces", type=Path, default=None, help="labelled photos (default: ../shared/faces)"
    )
    bench.add_argument(
        "--settled",
        type=float,
        default=None,
        metavar="SECONDS",
        help="then measure a room of seated people: its cost while filling, and for this "
        "long once everyone is identified",
    )
    bench.add_argument(
        "--settled-cameras", type=int, default=4, help="cameras playing the seated room"
    )
    bench.add_argument(
        "--live-view",
        type=float,
        default=None,
        metavar="PHASE_S",
        help="then measure the live view's cost: phases of about this many seconds (whole "
        "loops of the clip) without and with a viewer on every camera, alternating",
    )
    bench.add_argument(
        "--live-view-phases", type=int, default=3, help="phases of each condition (default 3)"
    )
    bench.set_defaults(func=_bench_pipeline)


def _serve(args: argparse.Namespace) -> int:
    limit_native_threads()
    from pydantic import ValidationError

    from recognizer.errors import RecognizerError
    from store.errors import StoreError
    from web.demo.errors import DemoError
    from web.process import run_service
    from web.settings import Settings, setting_problems

    try:
        status = asyncio.run(
            run_service(Settings(), demo=args.demo, port=args.port, host=args.host)
        )
    # a port taken, no database, no model pack, no photos, a bad setting
    except (OSError, StoreError, RecognizerError, DemoError, ValidationError) as error:
        message = setting_problems(error) if isinstance(error, ValidationError) else str(error)
        sys.stderr.write(f"rollcall serve: {message}\n")
        print_result({"error": message, "kind": type(error).__name__})
        return 1
    print_result({"event": "stopped", "exit_status": status})
    return status


def _camera_counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of camera counts: {text!r}") from None
    if not counts or min(counts) < 1 or max(counts) > 512:
        raise argparse.ArgumentTypeError("camera counts are whole numbers from 1 to 512")
    return counts


def _bench_pipeline(args: argparse.Namespace) -> int:
    limit_native_threads()
    from recognizer.analyzer import FaceAnalyzer
    from web.evaluation.pipeline_bench import PipelinePlan, run_pipeline_benchmark, table_lines
    from web.evaluation.settled_room import run_settled_part
    from web.settings import Settings

    if args.seconds <= 0:
        sys.stderr.write("rollcall bench pipeline: --seconds > 0\n")
        return 2
    if (args.live_view is not None and args.live_view <= 0) or args.live_view_phases < 1:
        sys.stderr.write("rollcall bench pipeline: --live-view > 0, --live-view-phases >= 1\n")
        return 2
    if (args.settled is not None and args.settled <= 0) or args.settled_cameras < 1:
        sys.stderr.write("rollcall bench pipeline: --settled > 0, --settled-cameras >= 1\n")
        return 2
    plan = PipelinePlan(
        cameras=args.cameras,
        seconds=args.seconds,
        analysis_fps=args.analysis_fps,
        naive_frames=args.naive_frames,
        classroom=args.classroom,
        faces_dir=args.faces or default_faces_dir(),
        live_view_phase_s=args.live_view,
        live_view_phases=args.live_view_phases,
        settled_s=args.settled,
        settled_cameras=args.settled_cameras,
    )
    settings = Settings()

    async def both() -> dict[str, object]:
        result = await run_pipeline_benchmark(settings, plan)
        if plan.settled_s is not None:
            with tempfile.TemporaryDirectory(prefix="rcbench-settled-", dir="/tmp") as root:
                analyzer = await asyncio.to_thread(FaceAnalyzer.from_config, settings.recognizer)
                result["settled_room"] = await run_settled_part(
                    settings, plan, Path(root), analyzer
                )
        return result

    result = asyncio.run(both())
    for line in table_lines(result["runs"]):  # type: ignore[arg-type]
        sys.stderr.write(line + "\n")
    print_result(result)
    return 0
