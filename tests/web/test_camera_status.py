"""Camera status for teachers: live figures of cameras this process runs, stored facts else."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp.test_utils import TestClient

from store.cameras import CameraKind
from store.database import Database
from tests.web.conftest import SignedIn, running_live
from tests.web.live.conftest import until
from web.app import build_app
from web.http.services import Services


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


async def test_a_camera_run_here_reports_its_live_state_in_the_list_and_alone(
    aiohttp_client: Any, services: Services, db: Database, teacher: SignedIn
) -> None:
    room = await db.rooms.create("Lab 3")
    created = await db.cameras.create(name="Laptop", kind=CameraKind.WEBRTC, room_id=room.id)
    async with running_live(services):
        client = await aiohttp_client(build_app(services))
        listed = await (await client.get("/api/cameras/status", headers=teacher.headers)).json()
        one = await (
            await client.get(f"/api/cameras/{created.camera.id}/status", headers=teacher.headers)
        ).json()
        metrics = await (await client.get("/metrics")).text()
        await client.close()
    assert [item["camera_id"] for item in listed["items"]] == [str(created.camera.id)]
    assert one == listed["items"][0]
    assert one["name"] == "Laptop"
    assert one["kind"] == "webrtc"
    assert one["state"] == "connecting"  # a browser camera waits for its offer
    assert f'rollcall_camera_up{{camera="{created.camera.id}"}} 0.0' in metrics


async def test_a_camera_whose_url_the_streamer_refuses_reads_failed_and_its_series_go_with_it(
    aiohttp_client: Any, services: Services, db: Database, teacher: SignedIn
) -> None:
    created = await db.cameras.create(name="Broken", kind=CameraKind.RTSP, url="rtsp://:554/x")
    camera_id = created.camera.id
    async with running_live(services) as live:
        client = await aiohttp_client(build_app(services))
        one = await (
            await client.get(f"/api/cameras/{camera_id}/status", headers=teacher.headers)
        ).json()
        while_stored = await (await client.get("/metrics")).text()
        await db.cameras.delete(camera_id)
        await until(lambda: live.camera_status(camera_id) is None, timeout_s=30.0)
        once_deleted = await (await client.get("/metrics")).text()
        await client.close()
    assert (one["state"], one["analysis_fps"]) == ("failed", 0.0)
    assert "host" in one["error"]
    assert f'rollcall_camera_up{{camera="{camera_id}"}} 0.0' in while_stored
    assert str(camera_id) not in once_deleted
