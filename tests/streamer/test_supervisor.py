"""The supervisor: cameras come and go at run time without disturbing each other."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

import pytest

from streamer import (
    CameraAlreadyExists,
    CameraClosed,
    CameraSpec,
    CameraState,
    NotABrowserCamera,
    StreamerConfig,
    Supervisor,
    UnknownCamera,
)
from tests.ids import uid
from tests.streamer.waiting import streamer_threads, wait_for_state, wait_for_status

FIRST, SECOND, OTHER, CAM = uid("first"), uid("second"), uid("other"), uid("cam")
BROWSER = uid("browser")  # a browser camera, which frames reach only by WebRTC
NOPE = uid("nope")  # never added


async def frames_keep_coming(supervisor: Supervisor, camera_id: UUID) -> bool:
    before = supervisor.status(camera_id).frames_received
    await wait_for_status(
        supervisor, camera_id, lambda s: s.frames_received > before + 3, 20, "more frames"
    )
    return True


async def test_cameras_are_added_changed_and_removed_without_disturbing_others(
    h264_clip: Path, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        first = await supervisor.add_camera(CameraSpec(FIRST, str(h264_clip), loop=True))
        await supervisor.add_camera(CameraSpec(SECOND, str(h264_clip), loop=True))
        await wait_for_state(supervisor, FIRST, CameraState.LIVE, timeout_s=20)
        await wait_for_state(supervisor, SECOND, CameraState.LIVE, timeout_s=20)
        seq_before = (await first.get()).seq

        changed = await supervisor.update_camera(
            CameraSpec(SECOND, str(h264_clip), loop=True, analysis_fps=2)
        )
        assert await frames_keep_coming(supervisor, FIRST)
        await wait_for_state(supervisor, SECOND, CameraState.LIVE, timeout_s=20)
        assert supervisor.spec(SECOND).analysis_fps == 2

        idle = await supervisor.add_camera(CameraSpec(BROWSER))  # never gets an offer
        waiting = asyncio.create_task(idle.get())
        await supervisor.remove_camera(SECOND)
        await supervisor.remove_camera(BROWSER)
        assert supervisor.camera_ids == [FIRST]
        assert await frames_keep_coming(supervisor, FIRST)
        async with asyncio.timeout(5):
            assert (await first.get()).seq > seq_before
        with pytest.raises(CameraClosed):
            await asyncio.wait_for(waiting, 5)  # a waiting consumer is woken, not left hanging
        with pytest.raises(CameraClosed):
            await changed.get()
        # the consumer of `first` never noticed anything: same feed, same camera
        assert supervisor.feed(FIRST) is first
        assert [s.camera_id for s in supervisor.statuses()] == [FIRST]
    assert streamer_threads() == []
    assert first.state is CameraState.STOPPED


async def test_a_changed_camera_keeps_its_feed_for_its_consumers(
    h264_clip: Path, tmp_path: Path, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        feed = await supervisor.add_camera(CameraSpec(CAM, str(tmp_path / "absent.mp4")))
        await wait_for_state(supervisor, CAM, CameraState.FAILED, timeout_s=10)
        assert await supervisor.update_camera(CameraSpec(CAM, str(h264_clip))) is feed
        status = await wait_for_state(supervisor, CAM, CameraState.LIVE, timeout_s=20)
        async with asyncio.timeout(10):
            await feed.get()
    assert status.last_error is None  # the old camera's error went with it


async def test_a_change_racing_a_removal_or_shutdown_leaves_no_reader_behind(
    h264_clip: Path, fast_config: StreamerConfig
) -> None:
    spec = CameraSpec(CAM, str(h264_clip), loop=True)
    supervisor = Supervisor(fast_config)
    await supervisor.add_camera(spec)
    await supervisor.add_camera(CameraSpec(OTHER, str(h264_clip), loop=True))
    await wait_for_state(supervisor, CAM, CameraState.LIVE, timeout_s=20)
    changed, removed = await asyncio.gather(
        supervisor.update_camera(spec), supervisor.remove_camera(CAM), return_exceptions=True
    )
    assert isinstance(changed, UnknownCamera) and removed is None
    assert supervisor.camera_ids == [OTHER]
    changed, closed = await asyncio.gather(
        supervisor.update_camera(CameraSpec(OTHER, str(h264_clip))),
        supervisor.close(),
        return_exceptions=True,
    )
    assert isinstance(changed, UnknownCamera) and closed is None
    assert streamer_threads() == []


async def test_ids_are_unique_and_unknown_ids_are_refused(
    h264_clip: Path, fast_config: StreamerConfig
) -> None:
    async with Supervisor(fast_config) as supervisor:
        await supervisor.add_camera(CameraSpec(CAM, str(h264_clip)))
        with pytest.raises(CameraAlreadyExists):
            await supervisor.add_camera(CameraSpec(CAM))
        with pytest.raises(UnknownCamera):
            await supervisor.remove_camera(NOPE)
        with pytest.raises(UnknownCamera):
            supervisor.status(NOPE)
        with pytest.raises(UnknownCamera):
            await supervisor.answer_offer(NOPE, "v=0\r\n")
        with pytest.raises(NotABrowserCamera):
            await supervisor.answer_offer(CAM, "v=0\r\n")


async def test_shutdown_leaves_no_reader_thread_or_task_behind(
    h264_clip: Path, fast_config: StreamerConfig
) -> None:
    tasks_before = asyncio.all_tasks()
    supervisor = Supervisor(fast_config)
    feeds = [
        await supervisor.add_camera(CameraSpec(uid(f"cam{index}"), str(h264_clip), loop=True))
        for index in range(4)
    ]
    await supervisor.add_camera(CameraSpec(BROWSER))
    for index in range(4):
        await wait_for_state(supervisor, uid(f"cam{index}"), CameraState.LIVE, timeout_s=20)
    assert len(streamer_threads()) == 4
    async with asyncio.timeout(15):
        await supervisor.close()
    assert streamer_threads() == []
    assert asyncio.all_tasks() <= tasks_before
    assert all(feed.state is CameraState.STOPPED for feed in feeds)
    with pytest.raises(RuntimeError):
        await supervisor.add_camera(CameraSpec(uid("late")))
