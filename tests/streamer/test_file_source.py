"""Video files as cameras: once or looping, paced like a camera or as fast as they decode."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from streamer import CameraSpec, CameraState, StreamerConfig, Supervisor
from streamer.synthetic import write_h264_clip
from tests.ids import uid
from tests.streamer.waiting import streamer_threads, wait_for_state, wait_for_status

CAM = uid("cam")

SHORT_FPS = 10


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s, 20 frames of 640x360 at 10 fps, as MP4."""
    path = tmp_path_factory.mktemp("file-source") / "short.mp4"
    return write_h264_clip(path, 640, 360, SHORT_FPS, seconds=2)


async def test_a_file_played_once_delivers_every_frame_then_stops(
    short_clip: Path, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        await supervisor.add_camera(CameraSpec(CAM, str(short_clip), realtime=False))
        status = await wait_for_state(supervisor, CAM, CameraState.STOPPED, timeout_s=30)
    assert status.frames_received == 2 * SHORT_FPS
    assert status.last_error is None


async def test_a_looping_file_keeps_playing_past_its_end(
    short_clip: Path, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        await supervisor.add_camera(CameraSpec(CAM, str(short_clip), loop=True, realtime=False))
        status = await wait_for_status(
            supervisor, CAM, lambda s: s.frames_received > 3 * 2 * SHORT_FPS, 30, "3 loops"
        )
    assert status.state is CameraState.LIVE


async def test_real_time_pacing_plays_at_the_file_rate(
    h264_clip: Path, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        await supervisor.add_camera(CameraSpec(CAM, str(h264_clip), loop=True))
        await wait_for_state(supervisor, CAM, CameraState.LIVE, timeout_s=20)
        before, started = supervisor.status(CAM).frames_received, time.monotonic()
        await asyncio.sleep(2)
        received = supervisor.status(CAM).frames_received - before
        elapsed = time.monotonic() - started  # a loaded machine oversleeps
    # 15 fps; unpaced, this small clip decodes at hundreds of frames per second.
    assert 7.5 <= received / elapsed <= 22.5


async def test_downscale_on_decode_keeps_the_aspect_ratio(
    short_clip: Path, fast_config: StreamerConfig
) -> None:
    config = fast_config.model_copy(update={"downscale_width": 320})
    async with Supervisor(config) as supervisor:
        feed = await supervisor.add_camera(CameraSpec(CAM, str(short_clip), realtime=False))
        async with asyncio.timeout(20):
            frame = await feed.get()
    assert frame.image.shape == (180, 320, 3)


async def test_a_missing_file_fails_with_a_clear_error(
    tmp_path: Path, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        await supervisor.add_camera(CameraSpec(CAM, str(tmp_path / "absent.mp4")))
        status = await wait_for_state(supervisor, CAM, CameraState.FAILED, timeout_s=10)
    assert status.last_error is not None and "file not found" in status.last_error


async def test_a_file_that_is_not_video_fails_with_a_clear_error(
    tmp_path: Path, fast_config: StreamerConfig
) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("these are not the frames you are looking for\n" * 100)
    async with Supervisor(fast_config) as supervisor:
        await supervisor.add_camera(CameraSpec(CAM, str(text)))
        status = await wait_for_state(supervisor, CAM, CameraState.FAILED, timeout_s=10)
    assert status.last_error is not None and "InvalidDataError" in status.last_error
    assert streamer_threads() == []
