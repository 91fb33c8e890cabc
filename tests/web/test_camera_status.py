"""Camera status for teachers: live figures of cameras this process runs, stored facts else."""

from __future__ import annotations

import uuid

from aiohttp.test_utils import TestClient

from store.cameras import CameraKind
from store.database import Database
from tests.web.conftest import SignedIn


async def test_camera_status_needs_a_signed_in_user(api: TestClient) -> None:
    assert (await api.get("/api/cameras/status")).status == 401
    assert (await api.get(f"/api/cameras/{uuid.uuid4()}/status")).status == 401


async def test_without_a_live_runtime_no_camera_is_running(
    api: TestClient, teacher: SignedIn
) -> None:
    response = await api.get("/api/cameras/status", headers=teacher.headers)
    assert response.status == 200
    assert await response.json() == {"items": []}


async def test_a_stored_camera_not_run_here_reads_stopped_and_says_if_disabled(
    api: TestClient, teacher: SignedIn, db: Database
) -> None:
    room = await db.rooms.create("Lab 1")
    created = await db.cameras.create(
        name="Front", kind=CameraKind.RTSP, url="rtsp://cam.example/stream", room_id=room.id
    )
    await db.cameras.set_enabled(created.camera.id, False)
    response = await api.get(f"/api/cameras/{created.camera.id}/status", headers=teacher.headers)
    assert response.status == 200
    body = await response.json()
    assert body["camera_id"] == str(created.camera.id)
    assert body["room_id"] == str(room.id)
    assert body["state"] == "stopped"
    assert body["error"] == "disabled"


async def test_an_unknown_camera_is_a_json_404(api: TestClient, teacher: SignedIn) -> None:
    for camera_id in (str(uuid.uuid4()), "not-an-id"):
        response = await api.get(f"/api/cameras/{camera_id}/status", headers=teacher.headers)
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"
