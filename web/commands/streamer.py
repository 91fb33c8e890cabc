"""`rollcall` sub-commands for the streamer package."""

from __future__ import annotations

import argparse

from web.commands import CommandGroups, print_result


def register(groups: CommandGroups) -> None:
    """Add `rollcall bench streamer`."""
    parser = groups.bench.add_parser(
        "streamer",
        help="decode fps per core (720p, 1080p H.264), CPU per WebRTC stream, frame ages",
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument(
        "--codec", choices=["VP8", "H264"], default="VP8", help="WebRTC codec to measure"
    )
    parser.set_defaults(func=bench_streamer)


def bench_streamer(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from streamer.bench import BenchPlan, run_bench

    plan = BenchPlan.quick() if args.quick else BenchPlan()
    print_result(run_bench(replace(plan, webrtc_codec=args.codec)))
    return 0
