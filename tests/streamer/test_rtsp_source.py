"""RTSP cameras against a real gst-rtsp-server on 127.0.0.1: rate, faults, secrets."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from uuid import UUID

import pytest

from streamer import CameraSpec, CameraState, InvalidCameraUrl, StreamerConfig, Supervisor
from tests.ids import uid
from tests.streamer.conftest import CLIP_FPS
from tests.streamer.servers import RtspServer, free_port
from tests.streamer.waiting import streamer_threads, wait_for_state, wait_for_status

CAM, REMOVED, RIGHT = uid("cam"), uid("removed"), uid("right")

pytestmark = pytest.mark.slow


async def received_fps(supervisor: Supervisor, camera_id: UUID, seconds: float) -> float:
    """A camera's frames received per second over about `seconds`, divided by the time that
    really passed: a loaded machine oversleeps, and the frames keep coming meanwhile."""
    before, started = supervisor.status(camera_id).frames_received, time.monotonic()
    await asyncio.sleep(seconds)
    received = supervisor.status(camera_id).frames_received - before
    return received / (time.monotonic() - started)


async def test_frames_arrive_at_the_stream_rate(
    rtsp_server: RtspServer, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        feed = await supervisor.add_camera(CameraSpec(CAM, rtsp_server.url))
        await wait_for_state(supervisor, CAM, CameraState.LIVE, timeout_s=20)
        fps = await received_fps(supervisor, CAM, seconds=3)
        async with asyncio.timeout(5):
            frame = await feed.get()
    # Real time, not as fast as possible: a burst would deliver the 60 s clip at once.
    assert 0.6 * CLIP_FPS <= fps <= 1.4 * CLIP_FPS
    assert frame.image.shape == (240, 320, 3)
    assert frame.camera_id == CAM
    assert streamer_threads() == []


async def test_analysis_rate_limits_frames_handed_out(
    rtsp_server: RtspServer, fast_config: StreamerConfig
) -> None:
    config = fast_config.model_copy(update={"analysis_fps": 5.0})
    async with Supervisor(config) as supervisor:
        feed = await supervisor.add_camera(CameraSpec(CAM, rtsp_server.url))
        await wait_for_state(supervisor, CAM, CameraState.LIVE, timeout_s=20)
        seqs = []
        async with asyncio.timeout(30):
            while len(seqs) < 10:
                seqs.append((await feed.get()).seq)
        status = supervisor.status(CAM)
    # 15 fps in, 5 fps out: about every third frame, none skipped for nothing.
    gaps = [later - earlier for earlier, later in itertools.pairwise(seqs)]
    assert sum(gaps) / len(gaps) >= 2.5
    assert status.frames_received >= status.frames_handed_out * 2


async def test_a_killed_server_is_reconnected_once_it_is_back(
    rtsp_server: RtspServer, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        feed = await supervisor.add_camera(CameraSpec(CAM, rtsp_server.url))
        await wait_for_state(supervisor, CAM, CameraState.LIVE, timeout_s=20)
        rtsp_server.kill()
        lost = await wait_for_state(supervisor, CAM, CameraState.RECONNECTING, timeout_s=15)
        assert lost.last_error
        before = lost.frames_received
        rtsp_server.start()  # same port
        back = await wait_for_status(
            supervisor,
            CAM,
            lambda s: s.state is CameraState.LIVE and s.frames_received > before,
            timeout_s=30,
            what="live again",
        )
        # A frame from before the drop may still wait in the slot (frames are counted when
        # received, published after conversion): the reconnected stream must deliver a newer one.
        async with asyncio.timeout(5):
            frame = await feed.get()
            while frame.seq <= before:
                frame = await feed.get()
    assert back.reconnects >= 1
    assert frame.seq > before


async def test_a_frozen_server_times_out_instead_of_hanging(
    rtsp_server: RtspServer, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        await supervisor.add_camera(CameraSpec(CAM, rtsp_server.url))
        await wait_for_state(supervisor, CAM, CameraState.LIVE, timeout_s=20)
        rtsp_server.freeze()
        try:
            # read time-out is 2 s; the bound only guards against a hang
            lost = await wait_for_state(supervisor, CAM, CameraState.RECONNECTING, 20)
            async with asyncio.timeout(15):  # stopping must not wait on the frozen server
                await supervisor.remove_camera(CAM)
        finally:
            rtsp_server.thaw()
    assert "timed out" in (lost.last_error or "")
    assert streamer_threads() == []


async def test_a_camera_stuck_connecting_to_a_frozen_server_times_out_and_is_removed_cleanly(
    rtsp_server: RtspServer, fast_config: StreamerConfig
) -> None:
    rtsp_server.freeze()  # the port still accepts connections; nothing ever answers
    try:
        async with Supervisor(fast_config) as supervisor:
            await supervisor.add_camera(CameraSpec(REMOVED, rtsp_server.url))
            await supervisor.add_camera(CameraSpec(uid("waiting"), rtsp_server.url))
            await asyncio.sleep(0.5)  # both readers are now inside the open
            assert supervisor.status(REMOVED).state is CameraState.CONNECTING
            async with asyncio.timeout(15):  # the bound only guards against a hang
                await supervisor.remove_camera(REMOVED)
            assert f"streamer-{REMOVED}" not in [t.name for t in streamer_threads()]
            lost = await wait_for_state(supervisor, uid("waiting"), CameraState.RECONNECTING, 20)
    finally:
        rtsp_server.thaw()
    assert "timed out" in (lost.last_error or "")
    assert streamer_threads() == []


async def test_an_unreachable_url_fails_cleanly(fast_config: StreamerConfig) -> None:
    config = fast_config.model_copy(update={"max_failed_attempts": 2})
    url = f"rtsp://127.0.0.1:{free_port()}/cam"  # nobody listens there
    async with Supervisor(config) as supervisor:
        await supervisor.add_camera(CameraSpec(CAM, url))
        status = await wait_for_state(supervisor, CAM, CameraState.FAILED, timeout_s=20)
    assert status.last_error is not None
    assert "refused" in status.last_error.lower()
    assert status.frames_received == 0
    assert streamer_threads() == []


async def test_a_port_that_answers_garbage_fails_cleanly(fast_config: StreamerConfig) -> None:
    async def answer_junk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"\x00\xffHELLO not rtsp\r\n\r\n" * 64)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_junk, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = fast_config.model_copy(update={"max_failed_attempts": 2})
    try:
        async with Supervisor(config) as supervisor:
            await supervisor.add_camera(CameraSpec(CAM, f"rtsp://127.0.0.1:{port}/cam"))
            status = await wait_for_state(supervisor, CAM, CameraState.FAILED, timeout_s=30)
    finally:
        server.close()
        await server.wait_closed()
    assert "invalid data" in (status.last_error or "").lower()
    assert status.frames_received == 0
    assert streamer_threads() == []


async def test_the_password_never_appears_in_logs_errors_or_status(
    rtsp_server_factory: Callable[..., RtspServer],
    fast_config: StreamerConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "s3cr3t-Pa55"
    server = rtsp_server_factory(user="teacher", password=secret)
    wrong = server.url.replace(secret, secret + "-wrong")
    config = fast_config.model_copy(update={"max_failed_attempts": 2})
    async with Supervisor(config) as supervisor:
        await supervisor.add_camera(CameraSpec(RIGHT, server.url))
        await supervisor.add_camera(CameraSpec(uid("wrong"), wrong))
        live = await wait_for_state(supervisor, RIGHT, CameraState.LIVE, timeout_s=20)
        failed = await wait_for_state(supervisor, uid("wrong"), CameraState.FAILED, timeout_s=20)
        statuses = supervisor.statuses()
        spec_text = repr(supervisor.spec(RIGHT))
    with pytest.raises(InvalidCameraUrl) as bad_port:
        CameraSpec(uid("bad"), f"rtsp://teacher:{secret}@127.0.0.1:99999/cam")

    assert "401" in (failed.last_error or "")
    assert live.source == f"rtsp://teacher:***@127.0.0.1:{server.port}/cam"
    for text in (caplog.text, repr(statuses), spec_text, str(bad_port.value)):
        assert secret not in text
    assert "teacher:***@" in str(bad_port.value)
