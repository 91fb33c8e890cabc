"""The `rollcall` command line: one entry point, sub-commands contributed per package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from web.commands import CommandGroups
from web.commands import classroom as classroom_commands
from web.commands import oneroster as oneroster_commands
from web.commands import people as people_commands
from web.commands import recognizer as recognizer_commands
from web.commands import service as service_commands
from web.commands import store as store_commands
from web.commands import streamer as streamer_commands
from web.settings import setting_problems
from web.telemetry.logging_setup import LOG_LEVELS, configure_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rollcall", description="Live classroom attendance.")
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=LOG_LEVELS,
        help="the least severe lines logged, on stderr (default INFO; DEBUG adds access lines)",
    )
    parser.add_argument(
        "--log-format",
        choices=("console", "json"),
        default=None,
        help="one readable line per record, or JSON (default: console on a terminal, else JSON)",
    )
    root = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    evaluate = root.add_parser("evaluate", help="measure accuracy on labelled photos")
    bench = root.add_parser("bench", help="benchmarks; each prints a JSON object as its last line")
    groups = CommandGroups(
        root=root,
        evaluate=evaluate.add_subparsers(dest="what", required=True, metavar="WHAT"),
        bench=bench.add_subparsers(dest="what", required=True, metavar="WHAT"),
    )
    for module in (
        service_commands,
        people_commands,
        oneroster_commands,
        recognizer_commands,
        store_commands,
        streamer_commands,
        classroom_commands,
    ):
        module.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level, args.log_format)
    try:
        return int(args.func(args) or 0)
    except ValidationError as error:
        # Settings come from the environment and .env: name what is wrong, no traceback.
        sys.stderr.write(f"rollcall: invalid settings: {setting_problems(error)}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
