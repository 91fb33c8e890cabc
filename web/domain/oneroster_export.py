"""Attendance keyed by OneRoster sourcedIds, for the school's system to read back.

One line per person per session, read by the sheet's rule (`web.domain.sheet`): the class's
sourcedId (its course's external id), the student's sourcedId (their external id), the
session and its schedule, and the status. People erased with their attendance kept have no
sourcedId any more and are left out. A course that came from no bundle has no class sourcedId:
its attendance is exported by the plain CSV instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial

from store.courses import Course
from store.database import Database
from store.pagination import read_every_page
from store.sessions import ClassSession, SessionStatus
from web.domain.csv_export import csv_text
from web.domain.sheet import Sheet, read_sheet

EXPORT_COLUMNS = (
    "classSourcedId",
    "userSourcedId",
    "sessionId",
    "scheduledStart",
    "scheduledEnd",
    "sessionStatus",
    "status",
    "manual",
    "firstSeen",
    "lastSeen",
    "onRoster",
)
MAX_SESSIONS = 2000  # a school year of daily lessons, several times over


class NotFromOneRoster(ValueError):
    """The course has no class sourcedId: no OneRoster bundle brought it in."""

    def __init__(self, course: Course) -> None:
        super().__init__(
            f"the course {course.code!r} came from no OneRoster bundle: it has no class"
            " sourcedId (export it with attendance.csv)"
        )


class TooManySessions(ValueError):
    def __init__(self) -> None:
        super().__init__(f"the range holds over {MAX_SESSIONS:,} sessions: narrow it")


def class_sourced_id(course: Course) -> str:
    if course.external_id is None:
        raise NotFromOneRoster(course)
    return course.external_id


def sheet_lines(class_id: str, sheet: Sheet) -> Iterable[tuple[object, ...]]:
    session = sheet.session
    for line in sheet.lines:
        if line.person is None:
            continue  # erased: nothing left to key the line by
        record = line.record
        yield (
            class_id,
            line.person.external_id,
            session.id,
            session.scheduled_start,
            session.scheduled_end,
            session.status,
            line.status,
            record.manual if record else False,
            record.first_seen if record else None,
            record.last_seen if record else None,
            line.on_roster,
        )


def export_text(class_id: str, sheets: Sequence[Sheet]) -> str:
    return csv_text(
        EXPORT_COLUMNS, (line for sheet in sheets for line in sheet_lines(class_id, sheet))
    )


async def session_export(database: Database, session: ClassSession) -> str:
    """One session's lines; NotFromOneRoster when its course came from no bundle."""
    class_id = class_sourced_id(await database.courses.get(session.course_id))
    return export_text(class_id, [await read_sheet(database, session)])


async def term_export(
    database: Database, course: Course, starts_from: datetime, starts_before: datetime
) -> str:
    """The lines of every session of the course starting in [starts_from, starts_before),
    earliest first; cancelled sessions took no attendance and are left out."""
    class_id = class_sourced_id(course)
    sessions = await read_every_page(
        partial(
            database.sessions.list,
            course_id=course.id,
            starts_from=starts_from,
            starts_before=starts_before,
        )
    )
    held = [s for s in sessions if s.status is not SessionStatus.CANCELLED]
    if len(held) > MAX_SESSIONS:
        raise TooManySessions()
    held.sort(key=lambda s: (s.scheduled_start, s.id))
    return export_text(class_id, [await read_sheet(database, session) for session in held])
