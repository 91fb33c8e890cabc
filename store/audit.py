"""The audit log: who changed what (manual attendance edits, enrolment, deletions).

Each entry is written in the transaction of the change it records, by the store function that
makes the change and takes its actor: a change and its entry land together or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from store.pagination import DEFAULT_PAGE_SIZE, Page, build_page, check_page
from store.repository import Connection, Repository


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    details: dict[str, Any]
    at: datetime


async def append_audit(
    connection: Connection,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: object | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write an audit row in the caller's transaction."""
    await connection.execute(
        "INSERT INTO audit_log (actor, action, entity_type, entity_id, details)"
        " VALUES ($1, $2, $3, $4, $5::jsonb)",
        actor,
        action,
        entity_type,
        None if entity_id is None else str(entity_id),
        json.dumps(details or {}, default=str),
    )


def _entry(row: asyncpg.Record) -> AuditEntry:
    values = dict(row)
    values["details"] = json.loads(values["details"])
    return AuditEntry(**values)


class AuditLog(Repository):
    """Reading the log. Entries are written only by the store function making the change, in
    its transaction (`append_audit`), so no entry stands for a change that was not made."""

    async def list(
        self,
        *,
        entity_type: str | None = None,
        entity_id: object | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
    ) -> Page[AuditEntry]:
        """Newest first, optionally for one entity type or one entity."""
        check_page(limit, offset)
        rows = await self._fetch(
            "SELECT id, actor, action, entity_type, entity_id, details::text AS details, at"
            " FROM audit_log"
            " WHERE ($1::text IS NULL OR entity_type = $1)"
            "   AND ($2::text IS NULL OR entity_id = $2)"
            " ORDER BY id DESC LIMIT $3 OFFSET $4",
            entity_type,
            None if entity_id is None else str(entity_id),
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, _entry)
