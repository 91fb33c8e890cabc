"""Requests an attacker or a careless client sends get a 4xx in the documented error shape,
never a 500, and change nothing: one specification per finding of the hostile review (the
WebSocket findings are in test_websocket_limits.py)."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from store.database import Database
from tests.web.conftest import SignedIn
from web.app import build_app
from web.http.services import Services

BOUNDARY = "hostile-boundary"
POLL_S = 0.02


def _multipart(*parts: bytes) -> bytes:
    """A multipart body of raw parts (headers, blank line, content), as a client wrote it."""
    body = b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return body + b"--" + BOUNDARY.encode() + b"--\r\n"


CSV_PART = b'Content-Disposition: form-data; name="csv"; filename="a.csv"\r\n\r\nexternal_id\r\n'
# The first part is well formed; the second is broken in one way each.
BROKEN_PARTS = {
    "a control character in a field name": b'Content-Disposition: form-data; name="ph\x14oto"'
    b"\r\n\r\nx",
    "a control character in a file name": b"Content-Disposition: form-data; "
    b'name="photo"; filename="a\x14.jpg"\r\n\r\nx',
    "a header line without a colon": b'Content-Disposition form-data; name="photo"\r\n\r\nx',
    "a header line over 8,190 bytes": b"X-Long: " + b"a" * 9000 + b"\r\n"
    b'Content-Disposition: form-data; name="photo"\r\n\r\nx',
    "over 128 part headers": b"".join(b"X-H%d: v\r\n" % n for n in range(130))
    + b'Content-Disposition: form-data; name="photo"\r\n\r\nx',
    "a _charset_ part over 31 bytes": b'Content-Disposition: form-data; name="_charset_"'
    b"\r\n\r\n" + b"u" * 40,
}


def _multipart_routes(person_id: str, course_id: str) -> list[str]:
    return [
        f"/api/people/{person_id}/photos",
        f"/api/people/{person_id}/snapshot",
        "/api/people/import",
        f"/api/courses/{course_id}/roster/import",
    ]


def _assert_error_shape(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["request_id"]


def _internal_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize("broken", list(BROKEN_PARTS), ids=list(BROKEN_PARTS))
async def test_a_multipart_part_aiohttp_cannot_parse_is_a_400_naming_the_part(
    api: TestClient,
    admin: SignedIn,
    db: Database,
    broken: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = await db.people.create(external_id="s-1", display_name="Sam")
    course = await db.courses.create(code="C-1", name="Course")
    body = _multipart(CSV_PART, BROKEN_PARTS[broken])
    for path in _multipart_routes(str(person.id), str(course.id)):
        response = await api.post(
            path,
            data=body,
            headers={
                **admin.headers,
                "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            },
        )
        assert response.status == 400, (path, await response.text())
        error = await response.json()
        _assert_error_shape(error, "bad_multipart")
        assert "multipart part 2" in error["error"]["message"], (path, error)
    assert _internal_errors(caplog) == []
    assert len((await db.people.list()).items) == 1  # nothing imported
    assert (await db.courses.roster(course.id)).items == ()


HUGE_INTEGER = "1" + "0" * 5000  # over Python's 4,300 digit limit for int(str)


@pytest.mark.parametrize(
    ("path", "body", "signed_in"),
    [
        ("/api/auth/login", f'{{"username": {HUGE_INTEGER}, "password": "x"}}', False),
        ("/api/auth/camera", f'{{"token": {HUGE_INTEGER}}}', False),
        ("/api/people", f'{{"external_id": "s-1", "display_name": {HUGE_INTEGER}}}', True),
    ],
    ids=["login", "camera sign-in", "people"],
)
async def test_a_json_integer_over_4300_digits_is_a_400_and_not_an_internal_error(
    api: TestClient,
    admin: SignedIn,
    db: Database,
    path: str,
    body: str,
    signed_in: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = {"Content-Type": "application/json", **(admin.headers if signed_in else {})}
    response = await api.post(path, data=body, headers=headers)
    assert response.status == 400
    error = await response.json()
    _assert_error_shape(error, "bad_json")
    assert "too long" in error["error"]["message"]
    assert _internal_errors(caplog) == []
    assert (await db.people.list()).items == ()


TIMETABLE = {
    "weekdays": ["mon"],
    "starts": "09:00",
    "ends": "09:50",
    "timezone": "Europe/Berlin",
    "first_day": "2026-09-01",
    "last_day": "2026-12-31",
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"last_day": "9999-12-31"}, "last_day"),
        ({"first_day": "0001-01-01", "timezone": "Asia/Tokyo"}, "first_day"),
        ({"timezone": "A" * 300}, "timezone"),
        ({"timezone": "Europe"}, "timezone"),
        ({"timezone": "../../../etc/passwd"}, "timezone"),
    ],
    ids=["last day 9999-12-31", "year 1 east of UTC", "300-char zone", "zone folder", "path"],
)
async def test_a_timetable_past_the_calendar_or_in_no_zone_is_a_422_before_any_lookup(
    api: TestClient,
    admin: SignedIn,
    db: Database,
    change: dict[str, str],
    field: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # course and room name nothing: the days and the zone are refused before they are looked up
    body = {**TIMETABLE, "course_id": str(uuid4()), "room_id": str(uuid4()), **change}
    response = await api.post("/api/sessions/timetable", json=body, headers=admin.headers)
    assert response.status == 422, await response.text()
    error = await response.json()
    _assert_error_shape(error, "invalid")
    assert [detail["field"] for detail in error["error"]["details"]] == [field]
    assert _internal_errors(caplog) == []
    assert (await db.sessions.list()).items == ()


async def test_people_search_takes_percent_and_underscore_literally(
    api: TestClient, teacher: SignedIn, db: Database
) -> None:
    for external_id, name in (("A_1", "Ann"), ("AX1", "Axel"), ("B-2", "Bea 100% sure")):
        await db.people.create(external_id=external_id, display_name=name)

    async def found(q: str) -> list[str]:
        response = await api.get("/api/people", params={"q": q}, headers=teacher.headers)
        assert response.status == 200
        return sorted(person["external_id"] for person in (await response.json())["items"])

    assert await found("%") == ["B-2"]  # the one name holding a percent sign, not everyone
    assert await found("A_1") == ["A_1"]  # not AX1
    assert await found("_") == ["A_1"]
    assert await found("\\") == []


@pytest.fixture
async def served(services: Services) -> AsyncIterator[int]:
    """The app on a runner as `rollcall serve` makes it (aiohttp's test server cancels a
    handler whose client went away; the service lets it finish), on a free port."""
    runner = web.AppRunner(build_app(services))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def _hang_up_mid_body(port: int, head: str, partial: bytes) -> None:
    """Send a request's head, wait for the server to take it up (its 100 Continue), send
    part of the body announced and hang up."""
    loop = asyncio.get_running_loop()
    with socket.socket() as sock:
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(sock, head.encode())
        answer = b""
        async with asyncio.timeout(10):
            while b"100 Continue" not in answer:
                chunk = await loop.sock_recv(sock, 1024)
                assert chunk, "closed before the server took the request up"
                answer += chunk
        await loop.sock_sendall(sock, partial)


@pytest.mark.parametrize("kind", ["json", "multipart"])
async def test_a_client_hanging_up_mid_body_is_logged_as_the_client_s_doing(
    served: int,
    admin: SignedIn,
    db: Database,
    kind: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="web.http.errors")
    person = await db.people.create(external_id="s-1", display_name="Sam")
    if kind == "json":
        path, content_type, partial = "/api/people", "application/json", b'{"external_id": '
    else:
        path = f"/api/people/{person.id}/photos"
        content_type = f"multipart/form-data; boundary={BOUNDARY}"
        partial = _multipart(b'Content-Disposition: form-data; name="photo"\r\n\r\n' + b"x" * 99)
        partial = partial[: len(partial) // 2]
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {admin.token}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n"
    )
    await _hang_up_mid_body(served, head, partial)

    said = "the client hung up before the request was done"
    for _ in range(500):  # the server notices the hang-up a moment after it
        if any(record.getMessage() == said for record in caplog.records):
            break
        await asyncio.sleep(POLL_S)
    gone = [record for record in caplog.records if record.getMessage() == said]
    assert [record.levelno for record in gone] == [logging.INFO]
    assert _internal_errors(caplog) == []
    assert len((await db.people.list()).items) == 1


@pytest.mark.parametrize("value", [0, 1, 1.0, "yes", "off", "true", "1", [], {}])
async def test_a_boolean_field_takes_only_true_or_false(
    api: TestClient, admin: SignedIn, db: Database, value: Any
) -> None:
    person = await db.people.create(external_id="s-1", display_name="Sam")
    created = await api.post(
        "/api/users",
        json={"username": "tia", "password": "tia-correct-horse-battery", "role": "teacher"},
        headers=admin.headers,
    )
    user_id = (await created.json())["id"]
    camera = await api.post(
        "/api/cameras", json={"name": "front", "kind": "webrtc"}, headers=admin.headers
    )
    camera_id = (await camera.json())["id"]
    attempts = [
        ("POST", "/api/people", {"external_id": "s-2", "display_name": "Al", "active": value}),
        ("PATCH", f"/api/people/{person.id}", {"active": value}),
        ("PATCH", f"/api/users/{user_id}", {"active": value}),
        ("PATCH", f"/api/cameras/{camera_id}", {"enabled": value}),
    ]
    for method, path, body in attempts:
        response = await api.request(method, path, json=body, headers=admin.headers)
        assert response.status == 422, (method, path, await response.text())
        error = await response.json()
        _assert_error_shape(error, "invalid")
        assert [detail["field"] for detail in error["error"]["details"]] in (
            ["active"],
            ["enabled"],
        )
    assert [p.external_id for p in (await db.people.list()).items] == ["s-1"]
    assert (await db.people.get(person.id)).active is True
    assert (await db.users.get(UUID(user_id))).active is True


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/people",
            {"external_id": "s-9", "display_name": "Al", "consent_at": 214605},
            "consent_at",
        ),
        ("/api/people", {"external_id": 9, "display_name": "Al"}, "external_id"),
        (
            "/api/sessions/timetable",
            {**TIMETABLE, "first_day": 20000},
            "first_day",
        ),
        ("/api/sessions/timetable", {**TIMETABLE, "starts": 32400}, "starts"),
        ("/api/people", {"external_id": "s-9", "display_name": "Al\udc00"}, "display_name"),
    ],
    ids=[
        "seconds for a date-time",
        "number for text",
        "number for a date",
        "number for a time",
        "lone surrogate",
    ],
)
async def test_a_value_of_another_json_type_than_the_schema_says_is_a_422_naming_it(
    api: TestClient, admin: SignedIn, db: Database, path: str, body: dict[str, Any], field: str
) -> None:
    if path.endswith("timetable"):
        body = {**body, "course_id": str(uuid4()), "room_id": str(uuid4())}
    response = await api.post(path, json=body, headers=admin.headers)
    assert response.status == 422, await response.text()
    error = await response.json()
    _assert_error_shape(error, "invalid")
    assert [detail["field"] for detail in error["error"]["details"]] == [field]
    assert (await db.people.list()).items == ()


YEAR_1_EAST_OF_UTC = "0001-01-01T00:00:00+05:00"  # an instant before the calendar's start
DATABASE_WORDS = ("asyncpg", "violates", "constraint", "_key", "_fkey", "query argument", "$")


def _in_the_api_s_words(error: dict[str, Any]) -> None:
    said = str(error).lower()
    assert not [word for word in DATABASE_WORDS if word in said], error


async def test_what_the_database_refuses_is_said_in_the_api_s_own_words(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    person = {"external_id": "s-1", "display_name": "Sam"}
    assert (await api.post("/api/people", json=person, headers=admin.headers)).status == 201

    taken = await api.post("/api/people", json=person, headers=admin.headers)
    assert taken.status == 409
    error = await taken.json()
    _in_the_api_s_words(error)
    assert "external_id" in error["error"]["message"]

    too_early = await api.post(
        "/api/people",
        json={
            "external_id": "s-2",
            "display_name": "Al",
            "consent_at": "0001-01-01T00:00:00+05:00",
        },
        headers=admin.headers,
    )
    assert too_early.status == 422
    error = await too_early.json()
    _in_the_api_s_words(error)
    assert [detail["field"] for detail in error["error"]["details"]] == ["consent_at"]

    room = await db.rooms.create("Room 1")
    course = await db.courses.create(code="C-1", name="Course")
    now = datetime.now(UTC)
    await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now,
        scheduled_end=now + timedelta(hours=1),
    )
    in_use = await api.delete(f"/api/rooms/{room.id}", headers=admin.headers)
    assert in_use.status in (409, 422), await in_use.text()
    _in_the_api_s_words(await in_use.json())


@pytest.mark.parametrize("name", ["Eve\u202egnp.exe", "Tab\there", "Bell\x07", "Nul-ish\x1b[2J"])
async def test_names_with_bidi_overrides_or_control_characters_are_refused_as_by_the_csv_import(
    api: TestClient, admin: SignedIn, db: Database, name: str
) -> None:
    for path, body in (
        ("/api/people", {"external_id": "s-1", "display_name": name}),
        ("/api/rooms", {"name": name}),
        ("/api/courses", {"code": "C-1", "name": name}),
    ):
        response = await api.post(path, json=body, headers=admin.headers)
        assert response.status == 422, (path, await response.text())
        _assert_error_shape(await response.json(), "invalid")
    assert (await db.people.list()).items == ()
