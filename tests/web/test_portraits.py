"""Board photos: an enrolment photo leaves a small portrait that only staff can fetch, never
cached; the school can turn them off; the board's snapshot says who has one. And a camera's
face boxes over the WebSocket go to those who may watch that camera."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import cv2
import numpy as np
import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from recognizer.portrait import PORTRAIT_PX
from store.cameras import CameraKind
from store.database import Database
from store.sessions import SessionStatus
from tests.web.conftest import SignedIn
from web.app import build_app
from web.http.config import ServiceConfig
from web.http.services import Services

PHOTO = "face_recognition/Barack_Obama/Barack_Obama_3.jpg"
RECEIVE_TIMEOUT_S = 15.0


def _photo_form(faces_dir: Path) -> FormData:
    form = FormData()
    form.add_field("photo", (faces_dir / PHOTO).read_bytes(), filename="obama.jpg")
    return form


async def _enrolled(api: TestClient, admin: SignedIn, db: Database, faces_dir: Path) -> UUID:
    person = await db.people.create(external_id="s-1", display_name="Barack Obama")
    response = await api.post(
        f"/api/people/{person.id}/photos", data=_photo_form(faces_dir), headers=admin.headers
    )
    assert response.status == 201, await response.text()
    return person.id


async def test_an_enrolment_photo_leaves_a_portrait_that_a_teacher_gets_never_cached(
    api: TestClient, admin: SignedIn, teacher: SignedIn, db: Database, faces_dir: Path
) -> None:
    person_id = await _enrolled(api, admin, db, faces_dir)

    response = await api.get(f"/api/people/{person_id}/portrait", headers=teacher.headers)
    assert response.status == 200
    assert response.content_type == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    image = cv2.imdecode(np.frombuffer(await response.read(), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (PORTRAIT_PX, PORTRAIT_PX, 3)


async def test_a_portrait_needs_a_signed_in_user(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
) -> None:
    person_id = await _enrolled(api, admin, db, faces_dir)
    response = await api.get(f"/api/people/{person_id}/portrait")
    assert response.status == 401
    body = await response.json()
    assert body["error"]["request_id"]
    assert response.content_type == "application/json"


async def test_someone_without_a_portrait_is_a_json_404(
    api: TestClient, teacher: SignedIn, db: Database
) -> None:
    person = await db.people.create(external_id="s-2", display_name="Nobody Enrolled")
    response = await api.get(f"/api/people/{person.id}/portrait", headers=teacher.headers)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_erasing_the_person_takes_their_portrait_with_them(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
) -> None:
    person_id = await _enrolled(api, admin, db, faces_dir)
    erased = await api.delete(f"/api/people/{person_id}", headers=admin.headers)
    assert erased.status in (200, 204)
    assert await db.portraits.image(person_id) is None
    response = await api.get(f"/api/people/{person_id}/portrait", headers=admin.headers)
    assert response.status == 404


@pytest.fixture
async def photos_off_api(aiohttp_client: Any, services: Services) -> TestClient:
    settings = services.settings.model_copy(update={"service": ServiceConfig(board_photos=False)})
    return await aiohttp_client(build_app(dataclasses.replace(services, settings=settings)))


async def test_with_board_photos_off_enrolment_keeps_no_portrait_and_none_is_served(
    photos_off_api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
) -> None:
    person_id = await _enrolled(photos_off_api, admin, db, faces_dir)
    assert len((await db.templates.list_for_person(person_id)).items) == 1
    assert await db.portraits.image(person_id) is None

    # one kept from before the school turned photos off is not served either
    template = (await db.templates.list_for_person(person_id)).items[0]
    await db.portraits.put(person_id, template.id, b"\xff\xd8 kept before \xff\xd9")
    response = await photos_off_api.get(f"/api/people/{person_id}/portrait", headers=admin.headers)
    assert response.status == 404


# -- the board's snapshot and camera subscriptions need the live runtime ----------------------


@pytest.fixture
async def live_api(aiohttp_client: Any, live_services: Services) -> TestClient:
    return await aiohttp_client(build_app(live_services))


async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(RECEIVE_TIMEOUT_S):
        while True:
            message = await ws.receive_json()
            if message["type"] == kind:
                return message


async def _room_with_a_lesson(db: Database, *, open_now: bool) -> tuple[UUID, UUID, UUID]:
    """(room, session, course): a lesson in the room, happening now or tomorrow."""
    now = datetime.now(UTC)
    start = now - timedelta(minutes=5) if open_now else now + timedelta(days=1)
    course = await db.courses.create(code="HIST-1", name="History")
    room = await db.rooms.create("Room 12")
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )
    if open_now:
        await db.sessions.set_status(session.id, SessionStatus.OPEN)
    return room.id, session.id, course.id


async def test_the_board_s_snapshot_says_which_students_have_a_portrait(
    live_api: TestClient, admin: SignedIn, teacher: SignedIn, db: Database, faces_dir: Path
) -> None:
    photographed = await _enrolled(live_api, admin, db, faces_dir)
    unphotographed = await db.people.create(external_id="s-3", display_name="No Photo")
    _, session_id, course_id = await _room_with_a_lesson(db, open_now=True)
    await db.courses.enrol(course_id, [photographed, unphotographed.id])

    async with live_api.ws_connect("/ws", headers=teacher.headers) as ws:
        await ws.send_json({"type": "subscribe", "session_id": str(session_id)})
        snapshot = await _next(ws, "snapshot")
    portraits = {row["person_id"]: row["portrait"] for row in snapshot["attendance"]}
    assert portraits == {str(photographed): True, str(unphotographed.id): False}


async def _camera_in(db: Database, room_id: UUID) -> UUID:
    created = await db.cameras.create(name="Front", kind=CameraKind.WEBRTC, room_id=room_id)
    return created.camera.id


async def test_a_teacher_gets_a_camera_s_boxes_only_while_its_room_has_a_lesson(
    live_api: TestClient, teacher: SignedIn, db: Database
) -> None:
    room_id, _, _ = await _room_with_a_lesson(db, open_now=False)  # tomorrow's lesson only
    camera_id = await _camera_in(db, room_id)

    async with live_api.ws_connect("/ws", headers=teacher.headers) as ws:
        await ws.send_json({"type": "subscribe", "camera_id": str(camera_id)})
        refused = await _next(ws, "error")
        assert refused["code"] == "forbidden"
        assert "open class session" in refused["message"]

        now = datetime.now(UTC)
        course = await db.courses.create(code="GEO-1", name="Geography")
        lesson_now = await db.sessions.create(
            course_id=course.id,
            room_id=room_id,
            scheduled_start=now - timedelta(minutes=1),
            scheduled_end=now + timedelta(hours=1),
        )
        await db.sessions.set_status(lesson_now.id, SessionStatus.OPEN)
        await ws.send_json({"type": "subscribe", "camera_id": str(camera_id)})
        assert (await _next(ws, "snapshot"))["type"] == "snapshot"


async def test_an_admin_gets_any_camera_s_boxes_and_an_unknown_camera_is_not_found(
    live_api: TestClient, admin: SignedIn, teacher: SignedIn, db: Database
) -> None:
    room = await db.rooms.create("Empty room")
    camera_id = await _camera_in(db, room.id)
    async with live_api.ws_connect("/ws", headers=admin.headers) as ws:
        await ws.send_json({"type": "subscribe", "camera_id": str(camera_id)})
        assert (await _next(ws, "snapshot"))["type"] == "snapshot"
    async with live_api.ws_connect("/ws", headers=teacher.headers) as ws:
        await ws.send_json({"type": "subscribe", "camera_id": str(UUID(int=7))})
        assert (await _next(ws, "error"))["code"] == "not_found"
