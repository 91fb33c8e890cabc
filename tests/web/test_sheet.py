"""One sheet rule for a session's attendance, whoever reads it (REST, CSV, snapshot, board):
a row's status when there is one; without a row, "unseen" until the session is closed and
"absent" after; counts over the same lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.sessions import ClassSession, SessionStatus
from web.domain.sheet import LINE_STATUSES, Sheet, read_sheet

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
async def session(db: Database) -> ClassSession:
    course = await db.courses.create(code="CHEM2", name="Chemistry")
    room = await db.rooms.create("C-101")
    people = [
        await db.people.create(external_id=f"c{n}", display_name=name)
        for n, name in enumerate(("Ana", "Ben"), start=1)
    ]
    await db.courses.enrol(course.id, [p.id for p in people])
    created = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=START,
        scheduled_end=START + timedelta(hours=1),
    )
    await db.attendance.record(
        Sighting(
            session_id=created.id,
            person_id=people[0].id,
            status=AttendanceStatus.PRESENT,
            seen_at=START + timedelta(minutes=2),
            score=0.6,
        )
    )
    return created


def _by_name(sheet: Sheet) -> dict[str, str]:
    return {line.person.display_name: line.status for line in sheet.lines if line.person}


@pytest.mark.parametrize(
    ("status", "unseen_as"),
    [
        (SessionStatus.SCHEDULED, "unseen"),
        (SessionStatus.OPEN, "unseen"),
        (SessionStatus.CANCELLED, "unseen"),  # takes no attendance: calls nobody absent
        (SessionStatus.CLOSED, "absent"),
    ],
)
async def test_a_roster_member_without_a_row_is_unseen_until_the_session_is_closed(
    db: Database, session: ClassSession, status: SessionStatus, unseen_as: str
) -> None:
    moved = (
        await db.sessions.set_status(session.id, status) if status != session.status else session
    )
    sheet = await read_sheet(db, moved)
    assert _by_name(sheet) == {"Ana": "present", "Ben": unseen_as}


async def test_counts_are_made_of_the_same_lines_and_name_every_status(
    db: Database, session: ClassSession
) -> None:
    sheet = await read_sheet(db, session)
    counts = sheet.counts()
    assert set(counts) == {*LINE_STATUSES, "enrolled"}
    assert (counts["present"], counts["unseen"], counts["enrolled"]) == (1, 1, 2)
    assert sum(counts[s] for s in LINE_STATUSES) == len(sheet.lines)


async def test_someone_taken_off_the_roster_stays_on_the_sheet_but_not_among_the_enrolled(
    db: Database, session: ClassSession
) -> None:
    ana = next(line.person for line in (await read_sheet(db, session)).lines if line.record)
    assert ana is not None
    await db.courses.unenrol(session.course_id, ana.id)
    sheet = await read_sheet(db, session)
    assert [(line.on_roster, line.status) for line in sheet.lines] == [
        (True, "unseen"),
        (False, "present"),
    ]
    assert sheet.counts()["enrolled"] == 1
