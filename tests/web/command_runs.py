"""Running one group of `rollcall` commands in-process, as the CLI registers them, and reading
the JSON line a command ends with."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any

from web.commands import CommandGroups


def run_command(register: Callable[[CommandGroups], None], argv: Sequence[str]) -> int:
    """Parse `argv` with only the commands `register` adds (under `rollcall` and `bench`)."""
    parser = argparse.ArgumentParser(prog="rollcall")
    root = parser.add_subparsers(dest="command", required=True)
    bench = root.add_parser("bench").add_subparsers(dest="what", required=True)
    register(CommandGroups(root=root, evaluate=root, bench=bench))
    args = parser.parse_args(list(argv))
    result: int = args.func(args)
    return result


def last_json_line(text: str) -> Any:
    return json.loads(text.strip().splitlines()[-1])
