"""Attendance rates per course and per person, over the sessions held so far."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from aiohttp.test_utils import TestClient

from store.attendance import AttendanceStatus, Sighting
from store.courses import Course
from store.database import Database
from store.sessions import SessionStatus
from tests.web.conftest import SignedIn


async def _session(db: Database, course: Course, room_id: UUID, start: datetime) -> UUID:
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room_id,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )
    return session.id


async def _seen(db: Database, session_id: UUID, person_id: UUID, status: AttendanceStatus) -> None:
    await db.attendance.record(
        Sighting(session_id, person_id, status, datetime.now(UTC), score=0.6)
    )


@pytest.fixture
async def course(db: Database) -> Course:
    return await db.courses.create(code="BIO1", name="Biology")


async def test_rates_count_present_and_late_over_held_sessions_only(
    api: TestClient, db: Database, teacher: SignedIn, course: Course
) -> None:
    room = await db.rooms.create("B-204")
    ada = await db.people.create(external_id="s1", display_name="Ada")
    bo = await db.people.create(external_id="s2", display_name="Bo")
    await db.courses.enrol(course.id, [ada.id, bo.id])
    now = datetime.now(UTC)
    monday = await _session(db, course, room.id, now - timedelta(days=2))
    tuesday = await _session(db, course, room.id, now - timedelta(days=1))
    cancelled = await _session(db, course, room.id, now - timedelta(hours=5))
    await _session(db, course, room.id, now + timedelta(days=1))  # not held yet
    await db.sessions.set_status(cancelled, SessionStatus.CANCELLED)
    await _seen(db, monday, ada.id, AttendanceStatus.PRESENT)
    await _seen(db, tuesday, ada.id, AttendanceStatus.LATE)
    await _seen(db, monday, bo.id, AttendanceStatus.PRESENT)
    await _seen(db, cancelled, bo.id, AttendanceStatus.PRESENT)
    await db.attendance.set_status(tuesday, bo.id, AttendanceStatus.EXCUSED, actor="tom")

    response = await api.get(f"/api/stats/courses/{course.id}", headers=teacher.headers)
    assert response.status == 200
    stats = await response.json()
    assert stats["course"]["code"] == "BIO1"
    assert (stats["enrolled"], stats["sessions_held"]) == (2, 2)
    assert (stats["attended"], stats["expected"], stats["rate"]) == (3, 4, 0.75)
    people = {p["display_name"]: p for p in stats["people"]}
    assert people["Ada"] == {
        "person_id": str(ada.id),
        "display_name": "Ada",
        "sessions": 2,
        "attended": 2,
        "late": 1,
        "excused": 0,
        "rate": 1.0,
    }
    assert (people["Bo"]["attended"], people["Bo"]["excused"], people["Bo"]["rate"]) == (1, 1, 0.5)


async def test_the_rate_is_null_until_a_roster_member_had_a_held_session(
    api: TestClient, db: Database, teacher: SignedIn, course: Course
) -> None:
    ada = await db.people.create(external_id="s1", display_name="Ada")
    await db.courses.enrol(course.id, [ada.id])
    stats = await (await api.get(f"/api/stats/courses/{course.id}", headers=teacher.headers)).json()
    assert (stats["rate"], stats["sessions_held"], stats["enrolled"]) == (None, 0, 1)
    assert stats["people"][0]["rate"] is None

    # sessions held are counted even before anyone is on the roster
    empty = await db.courses.create(code="CHEM1", name="Chemistry")
    room = await db.rooms.create("Lab")
    await _session(db, empty, room.id, datetime.now(UTC) - timedelta(hours=2))
    stats = await (await api.get(f"/api/stats/courses/{empty.id}", headers=teacher.headers)).json()
    assert (stats["rate"], stats["sessions_held"], stats["enrolled"]) == (None, 1, 0)


async def test_stats_need_a_token_and_an_existing_course(
    api: TestClient, teacher: SignedIn, course: Course
) -> None:
    assert (await api.get(f"/api/stats/courses/{course.id}")).status == 401
    for path in (f"/api/stats/courses/{uuid4()}", "/api/stats/courses/BIO1"):
        response = await api.get(path, headers=teacher.headers)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"


async def test_a_person_s_rate_is_given_over_all_their_courses_and_per_course(
    api: TestClient, db: Database, teacher: SignedIn, course: Course
) -> None:
    room = await db.rooms.create("B-205")
    art = await db.courses.create(code="ART1", name="Drawing")
    idle = await db.courses.create(code="ZOO1", name="Zoology")  # no session held yet
    ada = await db.people.create(external_id="s1", display_name="Ada")
    for enrolled_in in (course, art, idle):
        await db.courses.enrol(enrolled_in.id, [ada.id])
    now = datetime.now(UTC)
    biology = await _session(db, course, room.id, now - timedelta(days=2))
    await _session(db, course, room.id, now - timedelta(days=1))  # missed
    drawing = await _session(db, art, room.id, now - timedelta(hours=3))
    await _seen(db, biology, ada.id, AttendanceStatus.PRESENT)
    await _seen(db, drawing, ada.id, AttendanceStatus.LATE)

    response = await api.get(f"/api/stats/people/{ada.id}", headers=teacher.headers)

    assert response.status == 200
    stats = await response.json()
    assert (stats["display_name"], stats["sessions"], stats["attended"]) == ("Ada", 3, 2)
    assert stats["rate"] == pytest.approx(2 / 3)
    per_course = {
        c["code"]: (c["sessions"], c["attended"], c["late"], c["rate"]) for c in stats["courses"]
    }
    assert per_course == {"ART1": (1, 1, 1, 1.0), "BIO1": (2, 1, 0, 0.5), "ZOO1": (0, 0, 0, None)}
    missing = await api.get(f"/api/stats/people/{uuid4()}", headers=teacher.headers)
    assert missing.status == 404
    assert (await api.get(f"/api/stats/people/{ada.id}")).status == 401
