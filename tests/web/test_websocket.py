"""The /ws event stream over a real live runtime: who may connect, what a subscriber gets first,
and that changes written to the database reach it through the change feed."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.sessions import SessionStatus
from tests.postgres_fixtures import PostgresForTests
from tests.web.conftest import SignedIn
from web.api.websocket import AUTH_PROTOCOL, UNAUTHORIZED_CLOSE
from web.app import build_app
from web.http.services import Services
from web.live.messages import UnknownFaceMessage

RECEIVE_TIMEOUT_S = 15.0


@pytest.fixture
async def live_api(aiohttp_client: Any, live_services: Services) -> TestClient:
    return await aiohttp_client(build_app(live_services))


@dataclass(frozen=True)
class Lesson:
    session_id: uuid.UUID
    alice: uuid.UUID  # already present when the board connects
    bob: uuid.UUID  # not seen yet


@pytest.fixture
async def lesson(db: Database) -> Lesson:
    now = datetime.now(UTC)
    course = await db.courses.create(code="BIO-1", name="Biology")
    alice = await db.people.create(external_id="s-1", display_name="Alice")
    bob = await db.people.create(external_id="s-2", display_name="Bob")
    await db.courses.enrol(course.id, [alice.id, bob.id])
    room = await db.rooms.create("Lab 2")
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now - timedelta(minutes=5),
        scheduled_end=now + timedelta(hours=1),
    )
    await db.sessions.set_status(session.id, SessionStatus.OPEN)
    await db.attendance.record(Sighting(session.id, alice.id, AttendanceStatus.PRESENT, now, 0.8))
    return Lesson(session.id, alice.id, bob.id)


async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    """The next message of `kind` (others, e.g. camera states, are skipped)."""
    async with asyncio.timeout(RECEIVE_TIMEOUT_S):
        while True:
            message = await ws.receive_json()
            if message["type"] == kind:
                return message


async def test_without_a_token_the_upgrade_is_refused_with_401(live_api: TestClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await live_api.ws_connect("/ws")
    assert refused.value.status == 401


async def test_a_made_up_token_is_refused_before_the_upgrade(live_api: TestClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await live_api.ws_connect("/ws", headers={"Authorization": "Bearer made-up"})
    assert refused.value.status == 401


async def test_a_subscriber_gets_the_snapshot_then_changes_from_the_database(
    live_api: TestClient, teacher: SignedIn, lesson: Lesson, db: Database
) -> None:
    async with live_api.ws_connect("/ws", headers=teacher.headers) as ws:
        await ws.send_json({"type": "subscribe", "session_id": str(lesson.session_id)})
        snapshot = await _next(ws, "snapshot")
        assert snapshot["session"]["id"] == str(lesson.session_id)
        assert snapshot["counts"] == {
            "present": 1,
            "late": 0,
            "absent": 0,
            "excused": 0,
            "unseen": 1,
            "enrolled": 2,
        }
        rows = {row["display_name"]: row for row in snapshot["attendance"]}
        assert rows["Alice"]["status"] == "present"
        assert rows["Bob"]["status"] == "unseen"
        assert snapshot["unknown_faces"] == 0

        # Written by "another process": reaches this board through the change feed.
        await db.attendance.record(
            Sighting(lesson.session_id, lesson.bob, AttendanceStatus.LATE, datetime.now(UTC), 0.7)
        )
        event = await _next(ws, "attendance")
        assert event["person_id"] == str(lesson.bob)
        assert event["session_id"] == str(lesson.session_id)
        assert event["status"] == "late"
        assert event["inserted"] is True


async def test_a_session_closing_tells_its_boards_which_then_read_the_absentees(
    live_api: TestClient, teacher: SignedIn, admin: SignedIn, lesson: Lesson
) -> None:
    async with live_api.ws_connect("/ws", headers=teacher.headers) as ws:
        await ws.send_json({"type": "subscribe", "session_id": str(lesson.session_id)})
        await _next(ws, "snapshot")
        stopped = await live_api.post(
            f"/api/sessions/{lesson.session_id}/stop", headers=admin.headers
        )
        assert stopped.status == 200
        changes = [await _next(ws, "session"), await _next(ws, "session")]
        assert {c["session_id"] for c in changes} == {str(lesson.session_id)}
        assert {(c["change"], c.get("status"), c.get("absent")) for c in changes} == {
            ("status", "closed", None),
            ("absentees", None, 1),
        }
        await ws.send_json({"type": "subscribe", "session_id": str(lesson.session_id)})
        snapshot = await _next(ws, "snapshot")
        assert snapshot["session"]["status"] == "closed"
        rows = {row["display_name"]: row["status"] for row in snapshot["attendance"]}
        assert rows == {"Alice": "present", "Bob": "absent"}


async def test_the_board_s_cookie_signs_in_but_not_from_another_site(
    live_api: TestClient, teacher: SignedIn, lesson: Lesson
) -> None:
    cookie = {"Cookie": f"rollcall_session={teacher.token}"}
    async with live_api.ws_connect(f"/ws?session_id={lesson.session_id}", headers=cookie) as ws:
        assert (await _next(ws, "snapshot"))["counts"]["enrolled"] == 2
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await live_api.ws_connect("/ws", headers={**cookie, "Origin": "https://evil.example"})
    assert refused.value.status == 403


async def test_a_client_without_headers_signs_in_with_its_first_message(
    live_api: TestClient, teacher: SignedIn, lesson: Lesson
) -> None:
    async with live_api.ws_connect("/ws", protocols=(AUTH_PROTOCOL,)) as ws:
        assert ws.protocol == AUTH_PROTOCOL
        await ws.send_json({"type": "auth", "token": teacher.token})
        await ws.send_json({"type": "subscribe", "session_id": str(lesson.session_id)})
        assert (await _next(ws, "snapshot"))["session"]["id"] == str(lesson.session_id)

    async with live_api.ws_connect("/ws", protocols=(AUTH_PROTOCOL,)) as ws:
        await ws.send_json({"type": "auth", "token": "made-up"})
        closing = await asyncio.wait_for(ws.receive(), RECEIVE_TIMEOUT_S)
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == UNAUTHORIZED_CLOSE


async def test_a_failure_after_the_upgrade_closes_the_socket_with_a_code_not_a_broken_frame(
    live_api: TestClient, teacher: SignedIn, postgres: PostgresForTests, database_url: str
) -> None:
    async with live_api.ws_connect("/ws", protocols=(AUTH_PROTOCOL,)) as ws:
        await postgres.drop_database(database_url)  # the sign-in can no longer be checked
        await ws.send_json({"type": "auth", "token": teacher.token})
        closing = await asyncio.wait_for(ws.receive(), RECEIVE_TIMEOUT_S)
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code in (
            aiohttp.WSCloseCode.TRY_AGAIN_LATER,
            aiohttp.WSCloseCode.INTERNAL_ERROR,
        )


async def test_bad_messages_get_an_error_message_and_the_connection_lives_on(
    live_api: TestClient, teacher: SignedIn
) -> None:
    async with live_api.ws_connect("/ws", headers=teacher.headers) as ws:
        for bad in ("not json", '{"type": "dance"}', '{"type": "subscribe", "session_id": 5}'):
            await ws.send_str(bad)
            error = await _next(ws, "error")
            assert error["code"] == "invalid_message"
            assert error["message"]
        await ws.send_json({"type": "subscribe", "session_id": str(uuid.uuid4())})
        assert (await _next(ws, "error"))["code"] == "not_found"
        await ws.send_json({"type": "ping"})
        assert await _next(ws, "pong") == {"type": "pong"}


async def test_a_client_that_falls_behind_is_told_and_closed(
    live_api: TestClient, teacher: SignedIn, live_services: Services, lesson: Lesson
) -> None:
    assert live_services.live is not None
    async with live_api.ws_connect("/ws", headers=teacher.headers) as ws:
        await ws.send_json({"type": "subscribe", "session_id": str(lesson.session_id)})
        await _next(ws, "snapshot")
        # Published in one go, without the loop running the forwarder in between: more than
        # the subscription holds, as when a client stops reading.
        for n in range(300):
            await live_services.live.hub.publish(
                UnknownFaceMessage(session_id=lesson.session_id, camera_id=uuid.uuid4(), count=n)
            )
        assert await _next(ws, "overflow") == {"type": "overflow"}
        async with asyncio.timeout(RECEIVE_TIMEOUT_S):
            closing = await ws.receive()
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert ws.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_the_gauge_counts_connected_subscribers(
    live_api: TestClient, teacher: SignedIn, lesson: Lesson, live_services: Services
) -> None:
    gauge = "rollcall_websocket_clients"
    registry = live_services.metrics.registry
    async with live_api.ws_connect(
        f"/ws?session_id={lesson.session_id}", headers=teacher.headers
    ) as ws:
        await _next(ws, "snapshot")
        assert registry.get_sample_value(gauge) == 1.0
    for _ in range(500):  # the server notices the close a moment after the client
        if registry.get_sample_value(gauge) == 0.0:
            break
        await asyncio.sleep(0.02)
    assert registry.get_sample_value(gauge) == 0.0
