"""The class sessions API: scheduling, the start/stop/cancel steps, and who may take them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from uuid import UUID, uuid4

import pytest
from aiohttp.test_utils import TestClient

from store.attendance import AttendanceStatus
from store.database import Database
from tests.web.conftest import SignedIn

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Place:
    course_id: UUID
    room_id: UUID


@pytest.fixture
async def place(db: Database) -> Place:
    course = await db.courses.create(code="BIO1", name="Biology")
    room = await db.rooms.create("B-204")
    return Place(course.id, room.id)


def _schedule(place: Place, start: datetime, hours: float = 1.0, **extra: object) -> dict:
    return {
        "course_id": str(place.course_id),
        "room_id": str(place.room_id),
        "scheduled_start": start.isoformat(),
        "scheduled_end": (start + timedelta(hours=hours)).isoformat(),
        **extra,
    }


async def _scheduled(api: TestClient, admin: SignedIn, place: Place, start: datetime) -> str:
    created = await api.post("/api/sessions", json=_schedule(place, start), headers=admin.headers)
    assert created.status == 201
    return (await created.json())["id"]


async def test_an_admin_schedules_a_session_and_teachers_read_it(
    api: TestClient, admin: SignedIn, teacher: SignedIn, place: Place
) -> None:
    created = await api.post(
        "/api/sessions", json=_schedule(place, NOON, grace_minutes=5), headers=admin.headers
    )
    assert created.status == 201
    session = await created.json()
    assert session["status"] == "scheduled"
    assert session["grace_minutes"] == 5
    assert datetime.fromisoformat(session["scheduled_start"]) == NOON
    fetched = await api.get(f"/api/sessions/{session['id']}", headers=teacher.headers)
    assert (await fetched.json())["course_id"] == str(place.course_id)


async def test_sessions_are_listed_by_course_room_and_start_window(
    api: TestClient, db: Database, admin: SignedIn, teacher: SignedIn, place: Place
) -> None:
    monday = await _scheduled(api, admin, place, NOON)
    tuesday = await _scheduled(api, admin, place, NOON + timedelta(days=1))
    other_room = await db.rooms.create("Lab")
    elsewhere = await api.post(
        "/api/sessions",
        json=_schedule(Place(place.course_id, other_room.id), NOON),
        headers=admin.headers,
    )
    elsewhere_id = (await elsewhere.json())["id"]

    async def ids(query: str) -> list[str]:
        response = await api.get(f"/api/sessions?{query}", headers=teacher.headers)
        assert response.status == 200, query
        return [s["id"] for s in (await response.json())["items"]]

    assert set(await ids(f"course_id={place.course_id}")) == {monday, tuesday, elsewhere_id}
    assert await ids(f"room_id={place.room_id}") == [tuesday, monday]  # latest first
    since = quote((NOON + timedelta(hours=1)).isoformat())
    assert await ids(f"room_id={place.room_id}&from={since}") == [tuesday]
    assert await ids(f"room_id={place.room_id}&to={since}") == [monday]
    # a '+' left unencoded arrives as a space, and is read as the zone's sign all the same
    assert await ids(f"room_id={place.room_id}&to=2026-11-30T14:00:00+01:00") == [monday]
    assert await ids("status=open") == []


async def test_bad_session_list_filters_are_refused(api: TestClient, teacher: SignedIn) -> None:
    for query in (
        "course_id=BIO1",
        "from=yesterday",
        "from=2026-11-30T12:00:00",  # no zone: which noon?
        "status=running",
        "from=2026-11-30T12:00:00Z&to=2026-11-29T12:00:00Z",
    ):
        response = await api.get(f"/api/sessions?{query}", headers=teacher.headers)
        assert response.status == 422, query


async def test_bad_schedules_are_refused_with_the_reason(
    api: TestClient, db: Database, admin: SignedIn, place: Place
) -> None:
    backwards = _schedule(place, NOON, hours=-1)
    response = await api.post("/api/sessions", json=backwards, headers=admin.headers)
    assert response.status == 422
    assert "after scheduled_start" in (await response.text())

    bodies = (
        _schedule(place, NOON, hours=0),
        {**_schedule(place, NOON), "scheduled_start": "2026-11-30T12:00:00"},  # no zone
        {**_schedule(place, NOON), "scheduled_start": "noon"},
        _schedule(place, NOON, grace_minutes=-1),
        _schedule(place, NOON, grace_minutes="10"),
        {**_schedule(place, NOON), "course_id": "BIO1"},
    )
    for body in bodies:
        response = await api.post("/api/sessions", json=body, headers=admin.headers)
        assert response.status == 422, body
    for unknown in ({"course_id": str(uuid4())}, {"room_id": str(uuid4())}):
        response = await api.post(
            "/api/sessions", json={**_schedule(place, NOON), **unknown}, headers=admin.headers
        )
        assert response.status == 422, unknown
        assert (await response.json())["error"]["code"] == "invalid_reference"
    assert (await db.sessions.list()).items == ()


async def test_a_teacher_starts_and_stops_a_session_and_stopping_marks_absentees(
    api: TestClient, db: Database, admin: SignedIn, teacher: SignedIn, place: Place
) -> None:
    ada = await db.people.create(external_id="s1", display_name="Ada")
    await db.courses.enrol(place.course_id, [ada.id])
    # scheduled for later today: starting it before the schedule is allowed
    session_id = await _scheduled(api, admin, place, datetime.now(UTC) + timedelta(hours=2))
    started = await api.post(f"/api/sessions/{session_id}/start", headers=teacher.headers)
    assert started.status == 200
    assert (await started.json())["status"] == "open"
    repeated = await api.post(f"/api/sessions/{session_id}/start", headers=teacher.headers)
    assert (await repeated.json())["status"] == "open"

    stopped = await api.post(f"/api/sessions/{session_id}/stop", headers=teacher.headers)
    assert stopped.status == 200
    assert (await stopped.json())["status"] == "closed"
    record = await db.attendance.get(UUID(session_id), ada.id)
    assert record.status is AttendanceStatus.ABSENT and not record.manual

    reopened = await api.post(f"/api/sessions/{session_id}/start", headers=teacher.headers)
    assert reopened.status == 409
    assert (await reopened.json())["error"]["code"] == "invalid_transition"
    cancelled = await api.post(f"/api/sessions/{session_id}/cancel", headers=admin.headers)
    assert cancelled.status == 409
    assert (await db.sessions.get(UUID(session_id))).status.value == "closed"


async def test_a_session_not_started_cannot_be_stopped_but_can_be_cancelled(
    api: TestClient, admin: SignedIn, teacher: SignedIn, place: Place
) -> None:
    session_id = await _scheduled(api, admin, place, NOON)
    not_started = await api.post(f"/api/sessions/{session_id}/stop", headers=teacher.headers)
    assert not_started.status == 409
    by_teacher = await api.post(f"/api/sessions/{session_id}/cancel", headers=teacher.headers)
    assert by_teacher.status == 403
    cancelled = await api.post(f"/api/sessions/{session_id}/cancel", headers=admin.headers)
    assert (await cancelled.json())["status"] == "cancelled"
    started = await api.post(f"/api/sessions/{session_id}/start", headers=teacher.headers)
    assert started.status == 409


async def test_session_routes_need_a_token_and_scheduling_needs_an_admin(
    api: TestClient, admin: SignedIn, teacher: SignedIn, place: Place
) -> None:
    session_id = await _scheduled(api, admin, place, NOON)
    by_teacher = await api.post(
        "/api/sessions", json=_schedule(place, NOON), headers=teacher.headers
    )
    assert by_teacher.status == 403
    for method, path in (
        ("GET", "/api/sessions"),
        ("POST", "/api/sessions"),
        ("GET", f"/api/sessions/{session_id}"),
        ("POST", f"/api/sessions/{session_id}/start"),
        ("POST", f"/api/sessions/{session_id}/stop"),
        ("POST", f"/api/sessions/{session_id}/cancel"),
    ):
        assert (await api.request(method, path)).status == 401, (method, path)


async def test_unknown_sessions_are_not_found(api: TestClient, admin: SignedIn) -> None:
    for method, path in (
        ("GET", f"/api/sessions/{uuid4()}"),
        ("GET", "/api/sessions/42"),
        ("POST", f"/api/sessions/{uuid4()}/start"),
        ("POST", f"/api/sessions/{uuid4()}/stop"),
        ("POST", f"/api/sessions/{uuid4()}/cancel"),
    ):
        response = await api.request(method, path, headers=admin.headers)
        assert response.status == 404, (method, path)
