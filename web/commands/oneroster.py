"""`rollcall import oneroster PATH` (a OneRoster 1.1 CSV bundle: a folder or a .zip) and
`rollcall bench oneroster` (its import time, twice in a row).

The import opens the configured database (embedded when DATABASE_URL is unset); the logic lives
in web.domain.oneroster_import, as for the API; this module reads, shows progress and prints.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web.commands import CommandGroups, print_result
from web.commands.progress import ProgressBar

if TYPE_CHECKING:
    from web.domain.oneroster_bundle import BundleInvalid
    from web.domain.oneroster_import import ImportSummary

_CLI_ACTOR = "rollcall-cli"


def register(groups: CommandGroups) -> None:
    """Add `rollcall import oneroster` and `rollcall bench oneroster`."""
    imports = groups.root.add_parser("import", help="rosters from the school's system")
    formats = imports.add_subparsers(dest="format", required=True, metavar="FORMAT")
    oneroster = formats.add_parser(
        "oneroster",
        help="a OneRoster 1.1 CSV bundle (orgs, courses, classes, users, enrollments):"
        " all of it or, when any row is broken, nothing",
    )
    oneroster.add_argument("path", type=Path, help="a folder holding the CSV files, or a .zip")
    oneroster.set_defaults(func=_import)

    bench = groups.bench.add_parser(
        "oneroster", help="import time of a generated OneRoster bundle, twice in a row"
    )
    bench.add_argument("--students", type=int, default=1000)
    bench.add_argument("--classes", type=int, default=50)
    bench.add_argument("--enrollments", type=int, default=5000, help="student enrollments")
    bench.add_argument("--runs", type=int, default=2, help="imports of the same bundle in a row")
    bench.set_defaults(func=_bench)


def _read(path: Path) -> dict[str, bytes]:
    from web.domain.oneroster_bundle import BundleInvalid, BundleProblem
    from web.domain.oneroster_files import MAX_BUNDLE_BYTES, files_from_folder, files_from_zip

    if path.is_dir():
        return files_from_folder(path)
    if not path.is_file():
        raise BundleInvalid([BundleProblem(None, None, f"{path} is no folder and no file")])
    if path.stat().st_size > MAX_BUNDLE_BYTES:
        raise BundleInvalid(
            [BundleProblem(None, None, f"{path} is over {MAX_BUNDLE_BYTES:,} bytes")]
        )
    return files_from_zip(path.read_bytes())


def _refused(error: BundleInvalid) -> int:
    for problem in error.problems:
        where = ":".join(str(part) for part in (problem.file, problem.line) if part is not None)
        sys.stderr.write(f"{where or 'bundle'}: {problem.problem}\n")
    sys.stderr.write(f"rollcall import oneroster: {error}\n")
    print_result(
        {
            "error": str(error),
            "kind": "invalid_bundle",
            "problems": [
                {"file": p.file, "line": p.line, "problem": p.problem} for p in error.problems
            ],
        }
    )
    return 1


def _said(summary: ImportSummary) -> str:
    c = summary.changes
    return (
        f"students: {c.students_created} created, {c.students_updated} updated,"
        f" {c.students_deactivated} deactivated; teachers: {c.teachers_created} created,"
        f" {c.teachers_updated} updated, {c.teachers_deactivated} deactivated; classes:"
        f" {c.classes_created} created, {c.classes_updated} updated; enrollments:"
        f" {c.enrollments_added} added, {c.enrollments_removed} removed"
    )


def _import(args: argparse.Namespace) -> int:
    from store.database import Database
    from store.errors import StoreError
    from web.domain.oneroster_bundle import BundleInvalid
    from web.domain.oneroster_import import import_bundle
    from web.settings import Settings

    settings = Settings()

    async def run() -> ImportSummary:
        files = await asyncio.to_thread(_read, args.path)
        async with Database.open(settings.store) as database:
            summary = await import_bundle(
                database,
                files,
                actor=_CLI_ACTOR,
                run_cpu=asyncio.to_thread,
                on_progress=ProgressBar(sys.stderr, "check"),
            )
        return summary

    try:
        summary = asyncio.run(run())
    except BundleInvalid as error:
        return _refused(error)
    except OSError as error:
        sys.stderr.write(f"rollcall import oneroster: {error}\n")
        print_result({"error": str(error), "kind": "unreadable"})
        return 1
    except StoreError as error:
        sys.stderr.write(f"rollcall import oneroster: {error}\n")
        print_result({"error": str(error), "kind": type(error).__name__})
        return 1
    sys.stderr.write(_said(summary) + "\n")
    if summary.changes.teachers_created:
        sys.stderr.write(
            "new teachers have no password yet: set one with the admin page /admin/users"
            " (or PUT /api/users/{id}/password)\n"
        )
    print_result(summary.as_dict())
    return 0


def _bench(args: argparse.Namespace) -> int:
    from store.errors import StoreError
    from web.evaluation.oneroster_bench import BundleSize, run_oneroster_benchmark
    from web.settings import Settings

    size = BundleSize(args.students, args.classes, args.enrollments, args.runs)
    try:
        result: dict[str, Any] = asyncio.run(run_oneroster_benchmark(Settings().store, size))
    except (StoreError, ValueError) as error:
        sys.stderr.write(f"rollcall bench oneroster: {error}\n")
        print_result({"error": str(error), "kind": type(error).__name__})
        return 1
    for number, run in enumerate(result["runs"], start=1):
        sys.stderr.write(f"import {number}: {run['seconds']:.3f} s, {run['changes']} changes\n")
    print_result(result)
    return 0
