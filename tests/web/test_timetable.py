"""A weekly timetable becomes the sessions it stands for, at wall-clock times in the school's
zone, through daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from store.database import Database
from tests.web.conftest import SignedIn
from web.domain.timetable import MAX_SESSIONS, TimetableError, Weekday, weekly_slots

BERLIN = ZoneInfo("Europe/Berlin")


def test_lessons_keep_their_wall_clock_time_across_a_daylight_saving_change() -> None:
    # Berlin leaves summer time on Sunday 25 October 2026
    slots = weekly_slots(
        first_day=date(2026, 10, 19),
        last_day=date(2026, 10, 30),
        weekdays=frozenset({Weekday.MON, Weekday.WED}),
        starts=time(9, 0),
        ends=time(9, 50),
        zone=BERLIN,
    )
    assert [start for start, _ in slots] == [
        datetime(2026, 10, 19, 7, 0, tzinfo=UTC),  # 09:00 CEST
        datetime(2026, 10, 21, 7, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 8, 0, tzinfo=UTC),  # 09:00 CET
        datetime(2026, 10, 28, 8, 0, tzinfo=UTC),
    ]
    assert all((end - start).total_seconds() == 50 * 60 for start, end in slots)


@pytest.mark.parametrize(
    ("first", "last", "starts", "ends", "problem"),
    [
        (date(2026, 11, 2), date(2026, 11, 1), time(9), time(10), "before first_day"),
        (date(2026, 11, 2), date(2026, 11, 9), time(10), time(9), "end after it starts"),
        (date(2026, 11, 3), date(2026, 11, 4), time(9), time(10), "no lesson"),
        (date(2026, 1, 1), date(2040, 1, 1), time(9), time(10), f"at most {MAX_SESSIONS}"),
    ],
)
def test_a_timetable_naming_no_lesson_or_too_many_is_refused(
    first: date, last: date, starts: time, ends: time, problem: str
) -> None:
    with pytest.raises(TimetableError, match=problem):
        weekly_slots(
            first_day=first,
            last_day=last,
            weekdays=frozenset({Weekday.MON}),
            starts=starts,
            ends=ends,
            zone=BERLIN,
        )


async def test_an_admin_schedules_a_term_of_weekly_lessons_in_one_request(
    api: TestClient, db: Database, admin: SignedIn, teacher: SignedIn
) -> None:
    course = await db.courses.create(code="BIO1", name="Biology")
    room = await db.rooms.create("B-204")
    body = {
        "course_id": str(course.id),
        "room_id": str(room.id),
        "weekdays": ["mon", "thu"],
        "starts": "08:15",
        "ends": "09:45",
        "timezone": "Europe/Berlin",
        "first_day": "2026-11-30",
        "last_day": "2026-12-18",
        "grace_minutes": 5,
    }

    as_teacher = await api.post("/api/sessions/timetable", json=body, headers=teacher.headers)
    created = await api.post("/api/sessions/timetable", json=body, headers=admin.headers)

    assert as_teacher.status == 403
    assert created.status == 201
    answer = await created.json()
    assert answer["created"] == 6
    starts = [datetime.fromisoformat(s["scheduled_start"]) for s in answer["sessions"]]
    assert starts[0] == datetime(2026, 11, 30, 7, 15, tzinfo=UTC)
    assert {s.astimezone(BERLIN).time() for s in starts} == {time(8, 15)}
    assert {s["grace_minutes"] for s in answer["sessions"]} == {5}
    listed = await db.sessions.list(course_id=course.id)
    assert len(listed.items) == 6


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"timezone": "Mars/Olympus"}, "invalid"),
        ({"weekdays": ["someday"]}, "invalid"),
        ({"weekdays": []}, "invalid"),
        ({"ends": "08:00"}, "invalid_timetable"),
        ({"last_day": "2026-11-01"}, "invalid_timetable"),
        ({"room_id": "00000000-0000-0000-0000-000000000000"}, "invalid_reference"),
    ],
)
async def test_a_broken_timetable_is_a_422_that_says_why_and_writes_nothing(
    api: TestClient, db: Database, admin: SignedIn, change: dict, code: str
) -> None:
    course = await db.courses.create(code="BIO1", name="Biology")
    room = await db.rooms.create("B-204")
    body = {
        "course_id": str(course.id),
        "room_id": str(room.id),
        "weekdays": ["mon"],
        "starts": "08:15",
        "ends": "09:45",
        "timezone": "Europe/Berlin",
        "first_day": "2026-11-30",
        "last_day": "2026-12-18",
        **change,
    }

    response = await api.post("/api/sessions/timetable", json=body, headers=admin.headers)

    assert response.status == 422
    assert (await response.json())["error"]["code"] == code
    assert (await db.sessions.list(course_id=course.id)).items == ()
