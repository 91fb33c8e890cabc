"""Importing a OneRoster bundle: checked whole, then written whole, or nothing at all.

Shared by `POST /api/imports/oneroster` and `rollcall import oneroster`. The rows are checked
first (`web.domain.oneroster_bundle`, CPU work: on the caller's executor); only a bundle
without a problem reaches the store, which writes it in one transaction and may still refuse
a row that clashes with what is stored (a teacher's username that an admin holds): that is
reported like any other broken row, at its line, and nothing is written either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from store.database import Database
from store.oneroster import BundleRefused, RosterChanges
from web.domain.oneroster_bundle import (
    CLASSES,
    USERS,
    BundleInvalid,
    BundleProblem,
    CheckedBundle,
    Progress,
    check_bundle,
)

# run_cpu(function, *args) -> its result, off the event loop
CpuRunner = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class ImportSummary:
    rows: dict[str, int]  # rows read per file
    skipped_users: int  # users of roles Rollcall has no use for, and deletions
    skipped_enrollments: int
    changes: RosterChanges

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "skipped_users": self.skipped_users,
            "skipped_enrollments": self.skipped_enrollments,
            **asdict(self.changes),
        }


async def import_bundle(
    database: Database,
    files: Mapping[str, bytes],
    *,
    actor: str,
    run_cpu: CpuRunner,
    on_progress: Progress | None = None,
) -> ImportSummary:
    """Check the bundle, then write it; BundleInvalid (nothing changed) listing every problem."""
    checked: CheckedBundle = await run_cpu(check_bundle, files, on_progress)
    try:
        changes = await database.oneroster.apply(checked.roster, actor=actor)
    except BundleRefused as refused:
        raise BundleInvalid(
            [
                BundleProblem(
                    file := USERS if conflict.kind == "user" else CLASSES,
                    checked.lines.get((file, conflict.sourced_id)),
                    conflict.message,
                )
                for conflict in refused.conflicts
            ]
        ) from None
    return ImportSummary(
        rows=checked.rows,
        skipped_users=checked.skipped_users,
        skipped_enrollments=checked.skipped_enrollments,
        changes=changes,
    )
