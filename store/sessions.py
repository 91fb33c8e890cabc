"""Class sessions: one meeting of a course in a room, with its schedule and state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import asyncpg

from store.audit import append_audit
from store.errors import Conflict, NotFound
from store.events import EventKind, append_event
from store.pagination import DEFAULT_PAGE_SIZE, Page, build_page, check_page
from store.repository import Repository

_COLUMNS = (
    "id, course_id, room_id, scheduled_start, scheduled_end, grace_minutes, status, created_at"
)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ClassSession:
    id: UUID
    course_id: UUID
    room_id: UUID
    scheduled_start: datetime
    scheduled_end: datetime
    grace_minutes: int
    status: SessionStatus
    created_at: datetime

    @property
    def late_after(self) -> datetime:
        """Arrivals after this instant are late."""
        return self.scheduled_start + timedelta(minutes=self.grace_minutes)


class _RolledBack(Exception):
    """Ends a transaction whose change outside the database failed."""


def _session(row: asyncpg.Record) -> ClassSession:
    values = dict(row)
    values["status"] = SessionStatus(values["status"])
    return ClassSession(**values)


class ClassSessions(Repository):
    async def create(
        self,
        *,
        course_id: UUID,
        room_id: UUID,
        scheduled_start: datetime,
        scheduled_end: datetime,
        grace_minutes: int = 10,
    ) -> ClassSession:
        """InvalidReference for an unknown course or room; InvalidValue if it ends before start."""
        row = await self._fetchrow(
            f"INSERT INTO class_sessions (course_id, room_id, scheduled_start, scheduled_end,"
            f" grace_minutes) VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}",
            course_id,
            room_id,
            scheduled_start,
            scheduled_end,
            grace_minutes,
        )
        assert row is not None
        return _session(row)

    async def create_many(
        self,
        *,
        course_id: UUID,
        room_id: UUID,
        slots: Sequence[tuple[datetime, datetime]],
        grace_minutes: int = 10,
        actor: str = "system",
    ) -> list[ClassSession]:
        """Sessions of one course in one room at each (start, end) slot, all or none: a
        timetable is written whole or not at all."""
        async with self._transaction() as connection:
            rows = await connection.fetch(
                "INSERT INTO class_sessions"
                " (course_id, room_id, scheduled_start, scheduled_end, grace_minutes)"
                " SELECT $1, $2, s, e, $5 FROM unnest($3::timestamptz[], $4::timestamptz[])"
                f" AS t(s, e) ORDER BY s RETURNING {_COLUMNS}",
                course_id,
                room_id,
                [start for start, _ in slots],
                [end for _, end in slots],
                grace_minutes,
            )
            await append_audit(
                connection,
                actor=actor,
                action="sessions.timetable",
                entity_type="course",
                entity_id=course_id,
                details={"sessions": len(rows), "room_id": str(room_id)},
            )
        return sorted((_session(row) for row in rows), key=lambda s: s.scheduled_start)

    async def close_ended(self, now: datetime) -> list[ClassSession]:
        """Close every scheduled or open session whose scheduled end has passed (nobody
        stopped it by hand); each is announced like a manual stop."""
        async with self._transaction() as connection:
            rows = await connection.fetch(
                "UPDATE class_sessions SET status = 'closed'"
                " WHERE status IN ('scheduled', 'open') AND scheduled_end <= $1"
                f" RETURNING {_COLUMNS}",
                now,
            )
            for row in rows:
                await append_event(
                    connection,
                    EventKind.SESSION_CHANGED,
                    {"session_id": str(row["id"]), "status": SessionStatus.CLOSED.value},
                )
        return [_session(row) for row in rows]

    async def get(self, session_id: UUID) -> ClassSession:
        row = await self._fetchrow(
            f"SELECT {_COLUMNS} FROM class_sessions WHERE id = $1", session_id
        )
        if row is None:
            raise NotFound("class session", session_id)
        return _session(row)

    async def set_status(
        self,
        session_id: UUID,
        status: SessionStatus,
        *,
        only_from: Collection[SessionStatus] | None = None,
    ) -> ClassSession:
        """Set the status; with `only_from`, only if the session is in one of those statuses
        at the moment of the write (Conflict otherwise), so two concurrent steps (a stop and a
        cancel) cannot both succeed."""
        allowed = None if only_from is None else [s.value for s in only_from]
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                "UPDATE class_sessions SET status = $2"
                " WHERE id = $1 AND ($3::text[] IS NULL OR status = ANY($3::text[]))"
                f" RETURNING {_COLUMNS}",
                session_id,
                status.value,
                allowed,
            )
            if row is None:
                current = await connection.fetchval(
                    "SELECT status FROM class_sessions WHERE id = $1", session_id
                )
                if current is None:
                    raise NotFound("class session", session_id)
                raise Conflict(f"a {current} class session cannot become {status.value}")
            await append_event(
                connection,
                EventKind.SESSION_CHANGED,
                {"session_id": str(session_id), "status": status.value},
            )
        return _session(row)

    async def delete_unknown_faces(
        self, session_id: UUID, delete_images: Callable[[], Awaitable[int]], *, actor: str
    ) -> int:
        """Delete the kept images of the session's unknown faces and audit it; returns how
        many went. The images are files, not rows: `delete_images` runs inside the transaction
        that writes the audit entry, so a session that does not exist (NotFound) or a database
        that cannot be reached stops the deletion before it starts, and a deletion that fails
        leaves no entry."""
        failure: Exception | None = None
        try:
            async with self._transaction() as connection:
                if not await connection.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM class_sessions WHERE id = $1)", session_id
                ):
                    raise NotFound("class session", session_id)
                try:
                    deleted = await delete_images()
                except Exception as error:
                    # a file error is no database error: carried past the store's translation
                    # (an OSError would read as PostgreSQL gone), raised again once rolled back
                    failure = error
                    raise _RolledBack from None
                await append_audit(
                    connection,
                    actor=actor,
                    action="unknown_faces.delete",
                    entity_type="session",
                    entity_id=session_id,
                    details={"images": deleted},
                )
        except _RolledBack:
            pass  # rolled back; raised outside the handler so its traceback stays its own
        if failure is not None:
            raise failure
        return deleted

    async def current_in_room(self, room_id: UUID, at: datetime) -> ClassSession | None:
        """The session of the room taking attendance at `at`, if any: an open one until its
        scheduled end (a teacher may open it early), else a scheduled one whose window covers
        `at`."""
        row = await self._fetchrow(
            f"SELECT {_COLUMNS} FROM class_sessions WHERE room_id = $1 AND scheduled_end > $2"
            " AND (status = 'open' OR (status = 'scheduled' AND scheduled_start <= $2))"
            " ORDER BY status = 'open' DESC, scheduled_start DESC LIMIT 1",
            room_id,
            at,
        )
        return None if row is None else _session(row)

    async def list(
        self,
        *,
        course_id: UUID | None = None,
        room_id: UUID | None = None,
        status: SessionStatus | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
    ) -> Page[ClassSession]:
        """Newest start first, filtered by any of course, room, status and a start window."""
        check_page(limit, offset)
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM class_sessions"
            " WHERE ($1::uuid IS NULL OR course_id = $1) AND ($2::uuid IS NULL OR room_id = $2)"
            "   AND ($3::text IS NULL OR status = $3)"
            "   AND ($4::timestamptz IS NULL OR scheduled_start >= $4)"
            "   AND ($5::timestamptz IS NULL OR scheduled_start < $5)"
            " ORDER BY scheduled_start DESC, id LIMIT $6 OFFSET $7",
            course_id,
            room_id,
            None if status is None else status.value,
            starts_from,
            starts_before,
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, _session)
