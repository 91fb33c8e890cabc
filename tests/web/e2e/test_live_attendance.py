"""Live attendance end to end, for each kind of camera: the service as deployed (run_service
on 127.0.0.1, real PostgreSQL, real models), configured over its REST API, a teacher's board
on /ws, and a clip of real photos of enrolled students and of strangers.

Each test prints the measured time from each student's first appearance in the clip to their
present event on the board (`pytest -s` shows it); no assertion is made on it.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from store.cameras import CameraKind
from store.database import Database
from tests.streamer.servers import RtspServer
from tests.web.e2e.api_client import ApiClient
from tests.web.e2e.attendance_flow import expect_students_present_once
from tests.web.e2e.board import Board
from tests.web.e2e.classroom import ConfiguredClass
from tests.web.e2e.clip_peer import ClipPeer
from tests.web.scenes import ClassroomClip

pytestmark = pytest.mark.slow


async def test_a_file_camera_makes_the_students_in_its_clip_present_once_and_strangers_never(
    db: Database,
    teacher_api: ApiClient,
    klass: ConfiguredClass,
    board: Board,
    classroom_clip: ClassroomClip,
) -> None:
    # The API takes network cameras only (a server path is no client's business): a file
    # camera is configured on the server, as the demo configures its own.
    created = await db.cameras.create(
        name="Recording",
        kind=CameraKind.FILE,
        url=str(classroom_clip.path),
        room_id=UUID(klass.room_id),
    )
    camera_id = str(created.camera.id)
    timing = await expect_students_present_once(
        board, teacher_api, klass, classroom_clip, camera_id, "file"
    )
    print(timing.report())


async def test_an_rtsp_camera_makes_the_students_in_its_stream_present_once_and_strangers_never(
    admin_api: ApiClient,
    teacher_api: ApiClient,
    klass: ConfiguredClass,
    board: Board,
    classroom_clip: ClassroomClip,
    rtsp_server: RtspServer,
) -> None:
    camera = await admin_api.call(
        "POST",
        "/api/cameras",
        json={"name": "Ceiling", "room_id": klass.room_id, "kind": "rtsp", "url": rtsp_server.url},
        expect=201,
    )
    timing = await expect_students_present_once(
        board, teacher_api, klass, classroom_clip, camera["id"], "rtsp"
    )
    print(timing.report())


@pytest.mark.usefixtures("loopback_ice")
async def test_a_browser_camera_makes_the_students_it_streams_present_once_and_strangers_never(
    admin_api: ApiClient,
    teacher_api: ApiClient,
    klass: ConfiguredClass,
    board: Board,
    classroom_clip: ClassroomClip,
) -> None:
    camera = await admin_api.call(
        "POST",
        "/api/cameras",
        json={"name": "Laptop", "room_id": klass.room_id, "kind": "webrtc"},
        expect=201,
    )
    # the camera page holds the camera's own token, not a user's
    camera_page = ApiClient(teacher_api.http, teacher_api.url, camera["access_token"])
    peer = ClipPeer(classroom_clip.path)
    try:
        answer = await camera_page.call(
            "POST",
            f"/api/cameras/{camera['id']}/offer",
            json={"sdp": await peer.offer(), "type": "offer"},
        )
        assert answer["type"] == "answer"
        await peer.accept_answer(answer["sdp"])
        timing = await expect_students_present_once(
            board, teacher_api, klass, classroom_clip, camera["id"], "webrtc"
        )
    finally:
        await peer.close()
    print(timing.report())
