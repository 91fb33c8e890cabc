"""A session nobody stopped closes at its scheduled end and its absentees are marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.sessions import SessionStatus
from web.live.session_closer import close_ended_sessions


async def test_an_ended_session_is_closed_once_with_its_absentees_marked(db: Database) -> None:
    course = await db.courses.create(code="BIO1", name="Biology")
    room = await db.rooms.create("B-204")
    seen = await db.people.create(external_id="s1", display_name="Ada")
    missed = await db.people.create(external_id="s2", display_name="Bo")
    await db.courses.enrol(course.id, [seen.id, missed.id])
    now = datetime.now(UTC)
    ended = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now - timedelta(hours=2),
        scheduled_end=now - timedelta(hours=1),
    )
    running = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now - timedelta(minutes=10),
        scheduled_end=now + timedelta(hours=1),
    )
    await db.attendance.record(
        Sighting(ended.id, seen.id, AttendanceStatus.PRESENT, now - timedelta(hours=2), 0.7)
    )

    first = await close_ended_sessions(db)
    second = await close_ended_sessions(db)

    assert [s.id for s in first] == [ended.id] and second == []
    assert (await db.sessions.get(ended.id)).status is SessionStatus.CLOSED
    assert (await db.sessions.get(running.id)).status is SessionStatus.SCHEDULED
    sheet = {r.person_id: r.status for r in (await db.attendance.list_for_session(ended.id)).items}
    assert sheet == {seen.id: AttendanceStatus.PRESENT, missed.id: AttendanceStatus.ABSENT}
