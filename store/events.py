"""The change-feed outbox: events written inside the transaction of the change they announce.

A statement trigger on `events` calls pg_notify in that same transaction, so listeners hear of
an event after its commit only, and never of a rolled-back one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

import asyncpg

from store.errors import translated_errors
from store.repository import Connection, Repository, affected

CHANNEL = "rollcall_events"


class EventKind(StrEnum):
    ATTENDANCE_UPSERTED = "attendance.upserted"  # a sighting was recorded
    ATTENDANCE_CHANGED = "attendance.changed"  # a teacher set a status by hand
    TEMPLATE_ADDED = "template.added"
    TEMPLATE_DELETED = "template.deleted"
    TEMPLATES_IMPORTED = "templates.imported"  # a bulk import: galleries of the pack reload
    # galleries must drop every template of the person: erased, or their consent withdrawn
    PERSON_ERASED = "person.erased"
    PERSON_UPDATED = "person.updated"  # e.g. deactivated: galleries of active people change
    ROSTER_CHANGED = "roster.changed"  # galleries limited to the course's roster change
    COURSE_CHANGED = "course.changed"  # e.g. recognition turned off: its cameras stop analysing
    CAMERA_CHANGED = "camera.changed"
    SESSION_CHANGED = "session.changed"
    ABSENTEES_MARKED = "attendance.absentees_marked"  # a closed session's roster gaps filled
    # Live observations that every process's boards show, not changes of stored data:
    PRESENCE_UNKNOWN_FACE = "presence.unknown_face"  # a face no vote identified
    PRESENCE_OTHER_COURSE = "presence.other_course"  # an enrolled person not on the roster
    CAMERA_STATUS = "camera.status"  # a supervised camera changed state


@dataclass(frozen=True, order=True)
class EventCursor:
    """A position in the feed: events are ordered by (transaction id, event id)."""

    xid: int
    id: int


@dataclass(frozen=True)
class Event:
    id: int
    xid: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime

    @property
    def cursor(self) -> EventCursor:
        return EventCursor(self.xid, self.id)


async def append_event(connection: Connection, kind: EventKind, payload: dict[str, Any]) -> None:
    """Write an event in the caller's transaction."""
    await connection.execute(
        "INSERT INTO events (kind, payload) VALUES ($1, $2::jsonb)",
        kind.value,
        json.dumps(payload, default=str),
    )


def _event(row: asyncpg.Record) -> Event:
    return Event(
        id=row["id"],
        xid=int(row["xid"]),
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        created_at=row["created_at"],
    )


# Only events of transactions older than every transaction still running are handed out: a
# transaction that drew a lower id may still commit, and reading past it would skip its event.
_READ_AFTER = """
SELECT id, xid::text AS xid, kind, payload::text AS payload, created_at
FROM events
WHERE (xid, id) > ($1::text::xid8, $2::bigint)
  AND xid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY xid, id
LIMIT $3
"""


async def read_events_after(connection: Connection, cursor: EventCursor, limit: int) -> list[Event]:
    """The settled events after `cursor`, in feed order."""
    rows = await connection.fetch(_READ_AFTER, str(cursor.xid), cursor.id, limit)
    return [_event(row) for row in rows]


@dataclass(frozen=True)
class StartPoint:
    """Where a listener that starts "now" begins: at the oldest running transaction, skipping
    the events of younger transactions that had already committed when it started.

    A cursor alone cannot say "now": the transactions still running may commit events below
    any cursor taken after them, and the ones committed before the start sit among them.
    """

    cursor: EventCursor
    xmax: int  # every transaction from here on started after the listener
    in_progress: frozenset[int]  # running when the listener started: their events are news

    def committed_before(self, event: Event) -> bool:
        return event.xid < self.xmax and event.xid not in self.in_progress


async def start_point(connection: Connection) -> StartPoint:
    """The start of a listener that hears what commits from now on."""
    snapshot = await connection.fetchval("SELECT pg_current_snapshot()::text")
    xmin, xmax, in_progress = snapshot.split(":")  # "xmin:xmax:xip1,xip2,..."
    return StartPoint(
        cursor=EventCursor(int(xmin), 0),
        xmax=int(xmax),
        in_progress=frozenset(int(xid) for xid in in_progress.split(",") if xid),
    )


class EventLog(Repository):
    """Reading, publishing and pruning the outbox outside of a listener."""

    async def publish(self, kind: EventKind, payload: dict[str, Any]) -> None:
        """Announce an event on its own: for news that changes no stored data (a live
        observation), so that every process's listeners hear of it."""
        async with self._transaction() as connection:
            await append_event(connection, kind, payload)

    async def publish_once(self, write_id: UUID, kind: EventKind, payload: dict[str, Any]) -> bool:
        """`publish`, at most once per `write_id` (remembered in attendance_writes, in the same
        transaction, as attendance writes are): a notice replayed from the journal after a
        crash that came between its commit and its settlement is not announced twice. False
        when it was published before."""
        async with self._transaction() as connection:
            fresh = await connection.fetchval(
                "INSERT INTO attendance_writes (write_id) VALUES ($1)"
                " ON CONFLICT DO NOTHING RETURNING true",
                write_id,
            )
            if fresh:
                await append_event(connection, kind, payload)
        return bool(fresh)

    async def read_after(self, cursor: EventCursor, limit: int = 1000) -> list[Event]:
        with translated_errors():
            async with self._pool.acquire() as connection:
                return await read_events_after(connection, cursor, limit)

    async def prune(self, older_than: timedelta) -> int:
        """Delete events (and remembered write ids) older than `older_than`; returns events."""
        async with self._transaction() as connection:
            status = await connection.execute(
                "DELETE FROM events WHERE created_at < now() - $1::interval", older_than
            )
            await connection.execute(
                "DELETE FROM attendance_writes WHERE applied_at < now() - $1::interval",
                older_than,
            )
        return affected(status)
