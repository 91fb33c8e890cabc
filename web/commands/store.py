"""`rollcall` sub-commands for the store package: `db migrate`, `db status`, `bench store`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from web.commands import CommandGroups, print_result

if TYPE_CHECKING:
    from store.config import StoreConfig


def register(groups: CommandGroups) -> None:
    """Add `rollcall db ...` and `rollcall bench store`."""
    db = groups.root.add_parser("db", help="the database: migrations and their status")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    migrate = actions.add_parser("migrate", help="apply pending migrations (JSON last line)")
    _add_location(migrate)
    migrate.set_defaults(func=_migrate)
    status = actions.add_parser(
        "status", help="show applied and pending migrations; exit 1 unless up to date"
    )
    _add_location(status)
    status.set_defaults(func=_status)

    bench = groups.bench.add_parser(
        "store", help="attendance upserts/s, change-feed latency, template load times"
    )
    _add_location(bench)
    bench.add_argument("--single", type=int, default=2_000, help="single upserts to time")
    bench.add_argument("--batched", type=int, default=50_000, help="batched upserts to time")
    bench.add_argument("--batch-size", type=int, default=500)
    bench.add_argument("--notifications", type=int, default=300, help="feed latency samples")
    bench.add_argument(
        "--templates",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="gallery sizes to load (512-d float32)",
    )
    bench.set_defaults(func=_bench)


def _add_location(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL (default: $DATABASE_URL; unset: the embedded server)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="embedded server folder (default: per user)"
    )


def _config(args: argparse.Namespace) -> StoreConfig:
    """The process settings (DATABASE_URL, ROLLCALL_STORE__*, .env), with flags on top."""
    from store.config import StoreConfig
    from web.settings import Settings

    values = Settings().store.model_dump()
    if args.database_url is not None:
        values["database_url"] = args.database_url
    if args.data_dir is not None:
        values["data_dir"] = args.data_dir
    return StoreConfig.model_validate(values)


def _migrate(args: argparse.Namespace) -> int:
    from store.database import database_status, migrate_database
    from store.errors import StoreError
    from store.server import database_server

    async def run() -> dict[str, object]:
        async with database_server(_config(args)) as dsn:
            applied = await migrate_database(dsn)
            status = await database_status(dsn)
        return {"applied_now": list(applied), **status.as_dict()}

    try:
        print_result(asyncio.run(run()))
    except StoreError as error:
        sys.stderr.write(f"rollcall db migrate: {error}\n")
        print_result({"error": str(error), "kind": type(error).__name__})
        return 1
    return 0


def _status(args: argparse.Namespace) -> int:
    from store.database import database_status
    from store.errors import StoreError
    from store.server import database_server

    async def run() -> dict[str, object]:
        async with database_server(_config(args)) as dsn:
            return (await database_status(dsn)).as_dict()

    try:
        result = asyncio.run(run())
    except StoreError as error:
        sys.stderr.write(f"rollcall db status: {error}\n")
        print_result({"error": str(error), "kind": type(error).__name__})
        return 1
    print_result(result)
    return 0 if result["up_to_date"] else 1


def _bench(args: argparse.Namespace) -> int:
    from store.bench import BenchPlan, run_store_benchmark
    from store.errors import StoreError

    plan = BenchPlan(
        single_writes=args.single,
        batched_writes=args.batched,
        batch_size=args.batch_size,
        notifications=args.notifications,
        template_counts=tuple(args.templates),
    )
    try:
        result = asyncio.run(run_store_benchmark(_config(args), plan))
    except StoreError as error:
        sys.stderr.write(f"rollcall bench store: {error}\n")
        print_result({"error": str(error), "kind": type(error).__name__})
        return 1
    print_result(result)
    return 0
