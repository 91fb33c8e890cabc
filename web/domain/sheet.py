"""A class session's attendance sheet: the one rule every reader of attendance uses.

The REST sheet, its CSV, the WebSocket snapshot and the board all read a session through
`read_sheet`. A line's status is its row's when the session has one for that person; a
roster member with no row yet is "unseen" while the session may still see them (scheduled,
open, or cancelled: a cancelled session takes no attendance, so it calls nobody absent) and
"absent" once it is closed. Closing a session writes absent rows for the unseen, so "absent"
without a row only shows for a session closed before that rule existed, or a person put on
the roster after it closed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Literal, get_args
from uuid import UUID

from store.attendance import AttendanceRecord
from store.database import Database
from store.errors import NotFound
from store.pagination import read_every_page
from store.people import Person
from store.sessions import ClassSession, SessionStatus

LineStatus = Literal["present", "late", "absent", "excused", "unseen"]
LINE_STATUSES: tuple[LineStatus, ...] = get_args(LineStatus)


def line_status(session: ClassSession, record: AttendanceRecord | None) -> LineStatus:
    if record is not None:
        return record.status.value  # every stored status is a line status
    return "absent" if session.status is SessionStatus.CLOSED else "unseen"


def empty_counts() -> dict[str, int]:
    """Lines per status, and 'enrolled': the roster's size."""
    return {status: 0 for status in LINE_STATUSES} | {"enrolled": 0}


@dataclass(frozen=True)
class SheetLine:
    person_id: UUID | None  # None once the person was erased with their attendance kept
    person: Person | None
    record: AttendanceRecord | None
    on_roster: bool
    status: LineStatus


@dataclass(frozen=True)
class Sheet:
    session: ClassSession
    lines: tuple[SheetLine, ...]  # the roster by name, then anyone else with a row
    enrolled: int

    @property
    def roster_lines(self) -> tuple[SheetLine, ...]:
        return tuple(line for line in self.lines if line.on_roster)

    def counts(self) -> dict[str, int]:
        counts = empty_counts()
        for line in self.lines:
            counts[line.status] += 1
        counts["enrolled"] = self.enrolled
        return counts


def _line(
    session: ClassSession, person: Person | None, record: AttendanceRecord | None, on_roster: bool
) -> SheetLine:
    person_id = person.id if person else (record.person_id if record else None)
    return SheetLine(person_id, person, record, on_roster, line_status(session, record))


async def read_sheet(database: Database, session: ClassSession) -> Sheet:
    roster, records = await asyncio.gather(
        read_every_page(partial(database.courses.roster, session.course_id)),
        read_every_page(partial(database.attendance.list_for_session, session.id)),
    )
    by_person = {record.person_id: record for record in records if record.person_id is not None}
    lines = [_line(session, person, by_person.pop(person.id, None), True) for person in roster]
    for record in records:
        if record.person_id is None:
            lines.append(_line(session, None, record, False))
        elif record.person_id in by_person:  # on the roster no longer
            try:
                person: Person | None = await database.people.get(record.person_id)
            except NotFound:  # erased between the reads
                person = None
            lines.append(_line(session, person, record, False))
    return Sheet(session=session, lines=tuple(lines), enrolled=len(roster))
