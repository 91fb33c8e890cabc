"""Course reports over a window of days: each student's statuses by the sheet's rule and their
rate, as JSON and CSV, for teachers and admins; a window that is not a window is a 422."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from aiohttp.test_utils import TestClient

from store.attendance import AttendanceStatus, Sighting
from store.courses import Course
from store.database import Database
from store.sessions import SessionStatus
from tests.web.conftest import SignedIn


@dataclass(frozen=True)
class Term:
    course: Course
    first_day: date
    last_day: date
    people: dict[str, UUID]  # display name -> person id


async def _session(
    db: Database, course: Course, room_id: UUID, start: datetime, status: SessionStatus
) -> UUID:
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room_id,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )
    if status is not SessionStatus.SCHEDULED:
        await db.sessions.set_status(session.id, status)
    return session.id


async def _seen(db: Database, session_id: UUID, person_id: UUID, status: AttendanceStatus) -> None:
    await db.attendance.record(Sighting(session_id, person_id, status, datetime.now(UTC), 0.6))


@pytest.fixture
async def term(db: Database) -> Term:
    """Three on the roster and one taken off it; two closed sessions, one open now, and
    sessions the report must not count (cancelled, before the window, not held yet)."""
    course = await db.courses.create(code="BIO1", name="Biology")
    room = await db.rooms.create("B-204")
    people = {
        name: (await db.people.create(external_id=f"s{n}", display_name=name)).id
        for n, name in enumerate(("Ada", "Bo", "Cy", "Dee"), start=1)
    }
    ada, bo, cy, dee = people.values()
    await db.courses.enrol(course.id, [ada, bo, cy, dee])
    now = datetime.now(UTC)
    first = await _session(db, course, room.id, now - timedelta(days=2), SessionStatus.OPEN)
    second = await _session(db, course, room.id, now - timedelta(days=1), SessionStatus.OPEN)
    running = await _session(db, course, room.id, now - timedelta(minutes=10), SessionStatus.OPEN)
    cancelled = await _session(db, course, room.id, now - timedelta(hours=3), SessionStatus.OPEN)
    before = await _session(db, course, room.id, now - timedelta(days=10), SessionStatus.OPEN)
    await _session(db, course, room.id, now + timedelta(days=1), SessionStatus.SCHEDULED)

    await _seen(db, first, ada, AttendanceStatus.PRESENT)
    await _seen(db, first, bo, AttendanceStatus.LATE)
    await _seen(db, first, dee, AttendanceStatus.PRESENT)
    await db.courses.unenrol(course.id, dee)  # Dee's row stays: on the sheet, off the roster
    await db.attendance.set_status(second, ada, AttendanceStatus.EXCUSED, actor="tom")
    await db.attendance.set_status(second, bo, AttendanceStatus.ABSENT, actor="tom")
    await _seen(db, second, cy, AttendanceStatus.PRESENT)
    await _seen(db, running, cy, AttendanceStatus.PRESENT)
    for other in (cancelled, before):
        await _seen(db, other, ada, AttendanceStatus.PRESENT)
    await db.sessions.set_status(cancelled, SessionStatus.CANCELLED)
    for closed in (first, second, before):
        await db.sessions.set_status(closed, SessionStatus.CLOSED)  # Cy absent from the first
    return Term(course, (now - timedelta(days=3)).date(), (now + timedelta(days=1)).date(), people)


def _window(term: Term, **more: str) -> dict[str, str]:
    return {"from": term.first_day.isoformat(), "to": term.last_day.isoformat(), **more}


async def test_each_student_s_statuses_and_rate_over_the_window(
    api: TestClient, teacher: SignedIn, term: Term
) -> None:
    response = await api.get(
        f"/api/courses/{term.course.id}/report", params=_window(term), headers=teacher.headers
    )
    assert response.status == 200, await response.text()
    report = await response.json()
    assert (report["sessions"], report["timezone"], report["course"]["code"]) == (3, "UTC", "BIO1")
    figures = {
        s["display_name"]: (
            s["on_roster"],
            s["sessions"],
            s["present"],
            s["late"],
            s["absent"],
            s["excused"],
            s["unseen"],
            s["rate"],
        )
        for s in report["students"]
    }
    assert figures == {
        # the running session has no status for Ada and Bo yet: left out of their rates
        "Ada": (True, 3, 1, 0, 0, 1, 1, 0.5),
        "Bo": (True, 3, 0, 1, 1, 0, 1, 0.5),
        "Cy": (True, 3, 2, 0, 1, 0, 0, pytest.approx(2 / 3)),
        "Dee": (False, 1, 1, 0, 0, 0, 0, 1.0),
    }
    assert [s["display_name"] for s in report["students"]] == ["Ada", "Bo", "Cy", "Dee"]


async def test_days_are_the_named_zone_s_days(
    api: TestClient, teacher: SignedIn, db: Database
) -> None:
    course = await db.courses.create(code="ART1", name="Art")
    room = await db.rooms.create("A-1")
    ada = await db.people.create(external_id="s1", display_name="Ada")
    await db.courses.enrol(course.id, [ada.id])
    # 23:30 UTC on 1 September is 01:30 on 2 September in Berlin
    evening = datetime(2026, 9, 1, 23, 30, tzinfo=UTC)
    session = await _session(db, course, room.id, evening, SessionStatus.OPEN)
    await _seen(db, session, ada.id, AttendanceStatus.PRESENT)
    path = f"/api/courses/{course.id}/report"

    async def held(day: str, zone: str) -> int:
        params = {"from": day, "to": day, "timezone": zone}
        return (await (await api.get(path, params=params, headers=teacher.headers)).json())[
            "sessions"
        ]

    assert (await held("2026-09-01", "UTC"), await held("2026-09-02", "UTC")) == (1, 0)
    assert (
        await held("2026-09-01", "Europe/Berlin"),
        await held("2026-09-02", "Europe/Berlin"),
    ) == (0, 1)


async def test_the_csv_holds_the_same_figures_with_formula_cells_quoted(
    api: TestClient, admin: SignedIn, db: Database, term: Term
) -> None:
    await db.people.update(term.people["Ada"], display_name='=HYPERLINK("http://x")')
    response = await api.get(
        f"/api/courses/{term.course.id}/report.csv", params=_window(term), headers=admin.headers
    )
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert {r["external_id"]: (r["display_name"], r["sessions"], r["rate"]) for r in rows} == {
        "s1": ('\'=HYPERLINK("http://x")', "3", "0.5000"),
        "s2": ("Bo", "3", "0.5000"),
        "s3": ("Cy", "3", "0.6667"),
        "s4": ("Dee", "1", "1.0000"),
    }
    assert (rows[-1]["external_id"], rows[-1]["on_roster"]) == ("s4", "false")
    assert list(rows[0]) == [
        "external_id",
        "display_name",
        "on_roster",
        "sessions",
        "present",
        "late",
        "absent",
        "excused",
        "unseen",
        "rate",
    ]


async def test_a_report_needs_a_signed_in_user_and_a_course_that_exists(
    api: TestClient, teacher: SignedIn, term: Term
) -> None:
    for suffix in ("report", "report.csv"):
        path = f"/api/courses/{term.course.id}/{suffix}"
        assert (await api.get(path, params=_window(term))).status == 401
        missing = f"/api/courses/{uuid4()}/{suffix}"
        response = await api.get(missing, params=_window(term), headers=teacher.headers)
        assert response.status == 404


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"to": "2026-09-30"}, "from is required"),
        ({"from": "2026-09-01"}, "to is required"),
        ({"from": "2026-13-01", "to": "2026-12-31"}, "not a day of the calendar"),
        ({"from": "20260901", "to": "2026-09-30"}, "YYYY-MM-DD"),
        ({"from": "2026-09-30", "to": "2026-09-01"}, "to must not be before from"),
        ({"from": "2025-09-01", "to": "2026-09-02"}, "at most 366 days"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "between"),
        ({"from": "2026-09-01", "to": "2026-09-30", "timezone": "Mars/Olympus"}, "time zone"),
        ({"from": "2026-09-01", "to": "2026-09-30", "timezone": "Europe"}, "time zone"),
    ],
)
async def test_a_window_that_is_not_one_is_refused_with_a_request_id(
    api: TestClient, teacher: SignedIn, term: Term, params: dict[str, str], problem: str
) -> None:
    for suffix in ("report", "report.csv"):
        response = await api.get(
            f"/api/courses/{term.course.id}/{suffix}",
            params=params,
            headers={**teacher.headers, "X-Request-ID": "bad-window"},
        )
        assert response.status == 422
        error = (await response.json())["error"]
        assert (error["code"], error["request_id"]) == ("invalid", "bad-window")
        assert problem in error["message"]
