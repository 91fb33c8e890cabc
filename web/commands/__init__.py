"""Sub-commands of `rollcall`, one module per package they drive.

Each module exposes `register(groups)` and adds its parsers to the groups it needs;
every parser sets `func`, a callable taking the parsed namespace and returning an exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CommandGroups:
    root: argparse._SubParsersAction  # `rollcall X`
    evaluate: argparse._SubParsersAction  # `rollcall evaluate X`
    bench: argparse._SubParsersAction  # `rollcall bench X`


def print_result(result: dict[str, Any]) -> None:
    """Print a result as one JSON line, the last line of output that scripts parse."""
    sys.stdout.write(json.dumps(result, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


def default_faces_dir() -> Path:
    """../shared/faces beside the project checkout, else beside the working directory."""
    beside_checkout = Path(__file__).resolve().parents[2].parent / "shared" / "faces"
    if beside_checkout.is_dir():
        return beside_checkout
    return Path.cwd().parent / "shared" / "faces"
