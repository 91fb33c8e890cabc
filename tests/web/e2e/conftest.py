"""Fixtures of the end-to-end tests: a classroom clip of real photos, the running service,
its admin and teacher signed in over HTTP, a class configured through the API, and the
teacher's board subscribed to the class session.

Each test gets a database of its own (tests/web/conftest.py) and a service of its own, started
as `rollcall serve` starts it and stopped as on SIGTERM when the test ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from streamer.webrtc.loopback import loopback_candidates_only
from tests.streamer.servers import RtspServer
from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import ApiClient, signed_in
from tests.web.e2e.board import Board, board_of
from tests.web.e2e.classroom import Absentee, ConfiguredClass, configure_class
from tests.web.e2e.service import RunningService, serving
from tests.web.scenes import ClassroomClip, build_classroom_clip
from web.settings import Settings

CLIP_SIZE = (640, 480)
CLIP_SECONDS = 10.0
ABSENTEE = "Ann_Veneman"  # not among the clip's people (checked when the class is set up)
TEACHER = "tess-teacher"
TEACHER_PASSWORD = "tess-teacher-correct-horse"


@pytest.fixture(scope="session")
def classroom_clip(faces_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ClassroomClip:
    """3 students and 2 strangers arriving in 10 s of 640x480 H.264, as Matroska: a file
    camera, the RTSP server and an aiortc player all read it."""
    out = tmp_path_factory.mktemp("e2e") / "classroom.mkv"
    return build_classroom_clip(
        faces_dir, out, students=3, strangers=2, size=CLIP_SIZE, seconds=CLIP_SECONDS
    )


@pytest.fixture(scope="session")
def absentee(faces_dir: Path) -> Absentee:
    photos = tuple(sorted((faces_dir / "lfw" / ABSENTEE).glob("*.jpg"))[:2])
    return Absentee(ABSENTEE, photos)


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[RunningService]:
    async with serving(settings) as running:
        yield running


@pytest.fixture
async def admin_api(service: RunningService, admin: SignedIn) -> AsyncIterator[ApiClient]:
    """The first admin (made on the command line in a deployment) signed in over HTTP."""
    async with signed_in(service.url, admin.user.username, admin.password) as client:
        yield client


@pytest.fixture
async def teacher_api(service: RunningService, admin_api: ApiClient) -> AsyncIterator[ApiClient]:
    """A teacher the admin added through the API, signed in over HTTP."""
    await admin_api.call(
        "POST",
        "/api/users",
        json={"username": TEACHER, "password": TEACHER_PASSWORD, "role": "teacher"},
        expect=201,
    )
    async with signed_in(service.url, TEACHER, TEACHER_PASSWORD) as client:
        yield client


@pytest.fixture
async def klass(
    admin_api: ApiClient,
    teacher_api: ApiClient,
    classroom_clip: ClassroomClip,
    absentee: Absentee,
) -> ConfiguredClass:
    return await configure_class(admin_api, teacher_api, classroom_clip, absentee)


@pytest.fixture
async def board(teacher_api: ApiClient, klass: ConfiguredClass) -> AsyncIterator[Board]:
    async with board_of(teacher_api, klass.session_id) as subscribed:
        yield subscribed


@pytest.fixture
async def rtsp_server(classroom_clip: ClassroomClip) -> AsyncIterator[RtspServer]:
    """The GStreamer RTSP server on 127.0.0.1 serving the clip from its start to each client."""
    server = RtspServer(classroom_clip.path)
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.kill)


@pytest.fixture
def loopback_ice() -> Iterator[None]:
    """The test's peer and the service's peer (one process) meet on 127.0.0.1 only."""
    with loopback_candidates_only():
        yield
