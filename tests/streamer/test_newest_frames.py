"""Newest frames of several cameras: what waits is taken at once, otherwise the first delivery
is awaited (no polling), and a closed or silent camera holds nobody up."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np

from streamer.feed import CameraFeed
from streamer.frame import Frame
from streamer.newest_frames import newest_frames


def feed(camera_id: str) -> CameraFeed:
    return CameraFeed(camera_id, "file", None, None)


def frame(camera_id: str, seq: int) -> Frame:
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    return Frame(camera_id, image, seq, time.time(), time.monotonic())


async def test_frames_waiting_are_taken_at_once_and_empty_feeds_skipped() -> None:
    a, b, c = feed("a"), feed("b"), feed("c")
    a.publish(frame("a", 1))
    c.publish(frame("c", 2))

    async with asyncio.timeout(1):
        frames = await newest_frames([a, b, c], wait_s=30)

    assert [(f.camera_id, f.seq) for f in frames] == [("a", 1), ("c", 2)]
    assert a.peek() is None and c.peek() is None


async def test_when_none_waits_the_first_delivery_is_returned_before_the_time_is_up() -> None:
    a, b = feed("a"), feed("b")
    producer = threading.Timer(0.05, lambda: b.publish(frame("b", 5)))
    producer.start()

    async with asyncio.timeout(10):  # far below the 30 s it may wait
        frames = await newest_frames([a, b], wait_s=30)
    producer.join()

    assert [(f.camera_id, f.seq) for f in frames] == [("b", 5)]


async def test_silence_returns_nothing_after_the_wait() -> None:
    started = time.monotonic()
    assert await newest_frames([feed("a"), feed("b")], wait_s=0.05) == []
    assert await newest_frames([], wait_s=0.05) == []
    assert time.monotonic() - started >= 0.09  # each waited its 0.05 s (timers fire a hair early)


async def test_a_camera_closed_while_waiting_does_not_end_the_wait_for_the_others() -> None:
    closing, live = feed("closing"), feed("live")
    waiting = asyncio.create_task(newest_frames([closing, live], wait_s=30))
    await asyncio.sleep(0.02)
    closing.close()
    await asyncio.sleep(0.02)
    assert not waiting.done()

    threading.Thread(target=lambda: live.publish(frame("live", 9))).start()
    async with asyncio.timeout(10):
        frames = await waiting

    assert [(f.camera_id, f.seq) for f in frames] == [("live", 9)]
