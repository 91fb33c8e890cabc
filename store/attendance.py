"""Attendance: one row per person per class session, fed by idempotent sighting upserts.

A sighting write carries its own id. The ids applied are remembered (attendance_writes) in the
same transaction as the upsert, so a write retried after a lost reply, when the commit did
happen but its answer never arrived, is recognised and never counted twice.

A sighting from a camera also carries the generation of the camera's lease its process held
(store/camera_leases.py). The write is refused (fenced) when a newer lease of that camera had
begun by the time its frame was seen: its process had lost the camera, perhaps without knowing
yet. A write of a frame seen before the change of hands still lands, however late it comes (a
decision journaled in an outage and replayed by the next run, under a new lease). Seen times
are the process's clock and terms the database's: they agree as far as NTP keeps them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

import asyncpg

from store.audit import append_audit
from store.errors import NotFound, translated_errors
from store.events import EventKind, append_event
from store.pagination import DEFAULT_PAGE_SIZE, Page, build_page, check_page
from store.repository import Repository, affected

_COLUMNS = (
    "id, session_id, person_id, status, manual, first_seen, last_seen, best_score, camera_id,"
    " sightings, updated_at"
)


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


SIGHTED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


@dataclass(frozen=True)
class Sighting:
    """A person recognised in a session: what the presence engine writes.

    `status` is the engine's judgement (present, or late when first seen after the grace
    period). `count` lets a caller fold several sightings into one write. `lease` is the
    generation of the camera's lease under which the frame was seen (None: not checked).
    """

    session_id: UUID
    person_id: UUID
    status: AttendanceStatus
    seen_at: datetime
    score: float
    camera_id: UUID | None = None
    count: int = 1
    write_id: UUID = field(default_factory=uuid4)
    lease: int | None = None

    def __post_init__(self) -> None:
        if self.status not in SIGHTED:
            raise ValueError(f"a sighting is present or late, not {self.status}")
        if self.count < 1:
            raise ValueError("a sighting counts at least once")


@dataclass(frozen=True)
class AttendanceRecord:
    id: UUID
    session_id: UUID
    person_id: UUID | None  # None once the person was erased with attendance kept
    status: AttendanceStatus
    manual: bool
    first_seen: datetime | None
    last_seen: datetime | None
    best_score: float | None
    camera_id: UUID | None
    sightings: int
    updated_at: datetime


@dataclass(frozen=True)
class AttendanceUpsert:
    record: AttendanceRecord
    inserted: bool  # True when this write created the row: the person just became present


@dataclass(frozen=True)
class WriteOutcome:
    """What one batch did: the rows it touched, and the write ids refused as written under a
    camera lease that had changed hands (see the module's docstring)."""

    upserts: list[AttendanceUpsert]
    fenced: list[UUID]


def _record(row: asyncpg.Record) -> AttendanceRecord:
    values = {key: row[key] for key in _COLUMNS.replace(" ", "").split(",")}
    values["status"] = AttendanceStatus(values["status"])
    return AttendanceRecord(**values)


# Writes already applied are filtered out through attendance_writes, and a write repeated
# inside one batch is taken once (the join with `fresh` would count it once per copy); rows of
# one batch for the same person are merged first (one row may be touched once per statement);
# a manual status, or a status already decided by an earlier sighting, is never overwritten by
# a later one. A write whose camera had a newer lease term by the time it was seen is fenced:
# neither applied nor remembered as applied, and reported back.
_UPSERT = f"""
WITH input AS (
    SELECT DISTINCT ON (write_id) *
    FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[],
                $6::real[], $7::uuid[], $8::integer[], $10::bigint[])
        AS t(write_id, session_id, person_id, status, seen_at, score, camera_id, n, lease)
), fenced AS (
    SELECT i.write_id FROM input i
    WHERE i.lease IS NOT NULL AND EXISTS (
        SELECT 1 FROM camera_lease_terms t
        WHERE t.camera_id = i.camera_id AND t.generation > i.lease AND t.started_at <= i.seen_at)
), fresh AS (
    INSERT INTO attendance_writes (write_id)
    SELECT write_id FROM input WHERE write_id NOT IN (SELECT write_id FROM fenced)
    ON CONFLICT DO NOTHING RETURNING write_id
), merged AS (
    SELECT i.session_id, i.person_id,
           (array_agg(i.status ORDER BY i.seen_at))[1] AS status,
           min(i.seen_at) AS first_seen, max(i.seen_at) AS last_seen,
           max(i.score) AS best_score,
           (array_agg(i.camera_id ORDER BY i.seen_at DESC))[1] AS camera_id,
           sum(i.n)::integer AS n
    FROM input i JOIN fresh f USING (write_id)
    GROUP BY i.session_id, i.person_id
), up AS (
    INSERT INTO attendance AS a
        (session_id, person_id, status, first_seen, last_seen, best_score, camera_id, sightings)
    SELECT session_id, person_id, status, first_seen, last_seen, best_score, camera_id, n
    FROM merged ORDER BY session_id, person_id
    ON CONFLICT (session_id, person_id) DO UPDATE SET
        first_seen = least(a.first_seen, excluded.first_seen),
        last_seen = greatest(a.last_seen, excluded.last_seen),
        best_score = greatest(a.best_score, excluded.best_score),
        camera_id = CASE WHEN a.last_seen IS NULL OR excluded.last_seen >= a.last_seen
                         THEN excluded.camera_id ELSE a.camera_id END,
        sightings = a.sightings + excluded.sightings,
        status = CASE WHEN a.manual OR a.status IN ('present', 'late')
                      THEN a.status ELSE excluded.status END,
        updated_at = now()
    RETURNING {", ".join(f"a.{c.strip()}" for c in _COLUMNS.split(","))}, (a.xmax = 0) AS inserted
), announced AS (
    INSERT INTO events (kind, payload)
    SELECT $9::text, jsonb_build_object(
        'session_id', session_id, 'person_id', person_id, 'status', status,
        'manual', manual, 'inserted', inserted, 'first_seen', first_seen, 'last_seen', last_seen,
        'best_score', best_score, 'camera_id', camera_id, 'sightings', sightings)
    FROM up
)
SELECT *, NULL::uuid AS fenced_write FROM up
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, write_id
FROM fenced
"""


@dataclass(frozen=True)
class PersonRate:
    """One roster member's attendance over a course's sessions held so far."""

    person_id: UUID
    display_name: str
    sessions: int  # held: started and not cancelled
    attended: int  # present or late
    late: int
    excused: int

    @property
    def rate(self) -> float | None:
        return self.attended / self.sessions if self.sessions else None


@dataclass(frozen=True)
class CourseRate:
    """One person's attendance over the sessions held so far of one course they are on."""

    course_id: UUID
    code: str
    name: str
    sessions: int
    attended: int
    late: int
    excused: int

    @property
    def rate(self) -> float | None:
        return self.attended / self.sessions if self.sessions else None


@dataclass(frozen=True)
class ReportLine:
    """One person's statuses over the sessions of a course in a window, by the sheet's rule
    (a roster member without a row is absent once the session closed, unseen before)."""

    person_id: UUID
    external_id: str
    display_name: str
    on_roster: bool  # False: off the roster now, with rows in the window's sessions
    sessions: int  # the window's sessions on this person's sheets
    present: int
    late: int
    absent: int
    excused: int
    unseen: int  # sessions not closed yet where they have no status

    @property
    def with_status(self) -> int:
        return self.present + self.late + self.absent + self.excused

    @property
    def rate(self) -> float | None:
        """Present or late over the sessions where they have a status; None without any."""
        return (self.present + self.late) / self.with_status if self.with_status else None


@dataclass(frozen=True)
class CourseReport:
    sessions: int  # the course's sessions in the window, held by `at` and not cancelled
    lines: tuple[ReportLine, ...]  # the roster by name, then the others with rows


# Sessions of the window held by `at` (started, not cancelled); a line per (person, session)
# as each session's sheet has it: every roster member, and anyone else with a row there.
_REPORT = """
WITH s AS (
    SELECT id, status FROM class_sessions
    WHERE course_id = $1 AND status <> 'cancelled'
      AND scheduled_start >= $2 AND scheduled_start < $3 AND scheduled_start <= $4
), roster AS (
    SELECT person_id FROM course_people WHERE course_id = $1
), lines AS (
    SELECT r.person_id,
           coalesce(a.status, CASE WHEN s.status = 'closed' THEN 'absent' ELSE 'unseen' END)
               AS status
    FROM roster r CROSS JOIN s
    LEFT JOIN attendance a ON a.session_id = s.id AND a.person_id = r.person_id
    UNION ALL
    SELECT a.person_id, a.status FROM attendance a JOIN s ON s.id = a.session_id
    WHERE a.person_id IS NOT NULL AND a.person_id NOT IN (SELECT person_id FROM roster)
), who AS (
    SELECT person_id, true AS on_roster FROM roster
    UNION
    SELECT person_id, false FROM lines WHERE person_id NOT IN (SELECT person_id FROM roster)
)
SELECT p.id AS person_id, p.external_id, p.display_name, w.on_roster,
       count(l.status) AS sessions,
       count(*) FILTER (WHERE l.status = 'present') AS present,
       count(*) FILTER (WHERE l.status = 'late') AS late,
       count(*) FILTER (WHERE l.status = 'absent') AS absent,
       count(*) FILTER (WHERE l.status = 'excused') AS excused,
       count(*) FILTER (WHERE l.status = 'unseen') AS unseen
FROM who w JOIN people p ON p.id = w.person_id
LEFT JOIN lines l ON l.person_id = w.person_id
GROUP BY p.id, p.external_id, p.display_name, w.on_roster
ORDER BY w.on_roster DESC, p.display_name, p.id
"""


class Attendance(Repository):
    async def course_report(
        self, course_id: UUID, *, starts_from: datetime, starts_before: datetime, at: datetime
    ) -> CourseReport:
        """Each person's statuses over the course's sessions starting in [starts_from,
        starts_before) and held by `at`, read in one snapshot. Unpaged: one line per person
        of the course (rosters are bounded by what a class holds)."""
        with translated_errors():
            async with (
                self._pool.acquire() as connection,
                connection.transaction(isolation="repeatable_read", readonly=True),
            ):
                held = await connection.fetchval(
                    "SELECT count(*) FROM class_sessions WHERE course_id = $1"
                    " AND status <> 'cancelled' AND scheduled_start >= $2"
                    " AND scheduled_start < $3 AND scheduled_start <= $4",
                    course_id,
                    starts_from,
                    starts_before,
                    at,
                )
                rows = await connection.fetch(_REPORT, course_id, starts_from, starts_before, at)
        return CourseReport(held, tuple(ReportLine(**dict(row)) for row in rows))

    async def record(self, sighting: Sighting) -> AttendanceUpsert | None:
        """Upsert one sighting; None when this write was applied before (a retry)."""
        results = await self.record_many([sighting])
        return results[0] if results else None

    async def record_many(self, sightings: Sequence[Sighting]) -> list[AttendanceUpsert]:
        """Upsert a batch in one statement and one transaction, announcing every row touched.

        Idempotent per `write_id`: replaying a batch changes nothing and returns nothing for
        the writes already applied (nor for the fenced ones: see `record_batch`).
        """
        return (await self.record_batch(sightings)).upserts

    async def record_batch(self, sightings: Sequence[Sighting]) -> WriteOutcome:
        """`record_many`, also saying which writes were fenced (refused for good: written
        under a camera lease that had changed hands before their frame was seen)."""
        if not sightings:
            return WriteOutcome([], [])
        rows = await self._fetch(
            _UPSERT,
            [s.write_id for s in sightings],
            [s.session_id for s in sightings],
            [s.person_id for s in sightings],
            [s.status.value for s in sightings],
            [s.seen_at for s in sightings],
            [s.score for s in sightings],
            [s.camera_id for s in sightings],
            [s.count for s in sightings],
            EventKind.ATTENDANCE_UPSERTED.value,
            [s.lease for s in sightings],
        )
        return WriteOutcome(
            upserts=[
                AttendanceUpsert(_record(row), row["inserted"])
                for row in rows
                if row["fenced_write"] is None
            ],
            fenced=[row["fenced_write"] for row in rows if row["fenced_write"] is not None],
        )

    async def set_status(
        self,
        session_id: UUID,
        person_id: UUID,
        status: AttendanceStatus,
        *,
        actor: str,
        reason: str | None = None,
    ) -> AttendanceRecord:
        """A teacher's decision: it sticks (later sightings keep counting but not re-decide)."""
        async with self._transaction() as connection:
            before = await connection.fetchval(
                "SELECT status FROM attendance WHERE session_id = $1 AND person_id = $2",
                session_id,
                person_id,
            )
            row = await connection.fetchrow(
                f"INSERT INTO attendance AS a (session_id, person_id, status, manual)"
                f" VALUES ($1, $2, $3, true) ON CONFLICT (session_id, person_id) DO UPDATE"
                f" SET status = excluded.status, manual = true, updated_at = now()"
                f" RETURNING {_COLUMNS}",
                session_id,
                person_id,
                status.value,
            )
            assert row is not None
            await append_audit(
                connection,
                actor=actor,
                action="attendance.set_status",
                entity_type="attendance",
                entity_id=row["id"],
                details={
                    "session_id": str(session_id),
                    "person_id": str(person_id),
                    "from": before,
                    "to": status.value,
                    "reason": reason,
                },
            )
            await append_event(
                connection,
                EventKind.ATTENDANCE_CHANGED,
                {
                    "session_id": str(session_id),
                    "person_id": str(person_id),
                    "status": status.value,
                    "actor": actor,
                },
            )
        return _record(row)

    async def mark_absentees(self, session_id: UUID) -> int:
        """Give every roster member without a row an 'absent' row (closing a session); one
        event tells the boards to re-read the sheet rather than one per absentee."""
        async with self._transaction() as connection:
            status = await connection.execute(
                "INSERT INTO attendance (session_id, person_id, status)"
                " SELECT s.id, c.person_id, 'absent' FROM class_sessions s"
                " JOIN course_people c ON c.course_id = s.course_id WHERE s.id = $1"
                " ON CONFLICT (session_id, person_id) DO NOTHING",
                session_id,
            )
            marked = affected(status)
            if marked:
                await append_event(
                    connection,
                    EventKind.ABSENTEES_MARKED,
                    {"session_id": str(session_id), "absent": marked},
                )
        return marked

    async def get(self, session_id: UUID, person_id: UUID) -> AttendanceRecord:
        row = await self._fetchrow(
            f"SELECT {_COLUMNS} FROM attendance WHERE session_id = $1 AND person_id = $2",
            session_id,
            person_id,
        )
        if row is None:
            raise NotFound("attendance of person in session", (person_id, session_id))
        return _record(row)

    async def list_for_session(
        self, session_id: UUID, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
    ) -> Page[AttendanceRecord]:
        """In order of arrival (never-seen rows last)."""
        check_page(limit, offset)
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM attendance WHERE session_id = $1"
            " ORDER BY first_seen NULLS LAST, id LIMIT $2 OFFSET $3",
            session_id,
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, _record)

    async def list_for_person(
        self, person_id: UUID, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
    ) -> Page[AttendanceRecord]:
        check_page(limit, offset)
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM attendance WHERE person_id = $1"
            " ORDER BY updated_at DESC, id LIMIT $2 OFFSET $3",
            person_id,
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, _record)

    async def rates_for_course(
        self, course_id: UUID, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
    ) -> Page[PersonRate]:
        """Per roster member: sessions held, attended, late and excused (by name)."""
        check_page(limit, offset)
        rows = await self._fetch(
            "SELECT p.id AS person_id, p.display_name, count(s.id) AS sessions,"
            "  count(a.id) FILTER (WHERE a.status IN ('present', 'late')) AS attended,"
            "  count(a.id) FILTER (WHERE a.status = 'late') AS late,"
            "  count(a.id) FILTER (WHERE a.status = 'excused') AS excused"
            " FROM course_people c JOIN people p ON p.id = c.person_id"
            " LEFT JOIN class_sessions s ON s.course_id = c.course_id"
            "  AND s.status <> 'cancelled' AND s.scheduled_start <= now()"
            " LEFT JOIN attendance a ON a.session_id = s.id AND a.person_id = p.id"
            " WHERE c.course_id = $1 GROUP BY p.id, p.display_name"
            " ORDER BY p.display_name, p.id LIMIT $2 OFFSET $3",
            course_id,
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, lambda row: PersonRate(**dict(row)))

    async def rates_for_person(self, person_id: UUID) -> list[CourseRate]:
        """Per course the person is on: sessions held, attended, late and excused (by code).
        Unpaged: one row per course of one person."""
        rows = await self._fetch(
            "SELECT k.id AS course_id, k.code, k.name, count(s.id) AS sessions,"
            "  count(a.id) FILTER (WHERE a.status IN ('present', 'late')) AS attended,"
            "  count(a.id) FILTER (WHERE a.status = 'late') AS late,"
            "  count(a.id) FILTER (WHERE a.status = 'excused') AS excused"
            " FROM course_people c JOIN courses k ON k.id = c.course_id"
            " LEFT JOIN class_sessions s ON s.course_id = c.course_id"
            "  AND s.status <> 'cancelled' AND s.scheduled_start <= now()"
            " LEFT JOIN attendance a ON a.session_id = s.id AND a.person_id = c.person_id"
            " WHERE c.person_id = $1 GROUP BY k.id, k.code, k.name ORDER BY k.code",
            person_id,
        )
        return [CourseRate(**dict(row)) for row in rows]

    async def summary(self, session_id: UUID) -> dict[AttendanceStatus, int]:
        """How many rows of the session have each status."""
        rows = await self._fetch(
            "SELECT status, count(*) AS n FROM attendance WHERE session_id = $1 GROUP BY status",
            session_id,
        )
        counts = {status: 0 for status in AttendanceStatus}
        counts.update({AttendanceStatus(row["status"]): row["n"] for row in rows})
        return counts
