"""Taking the newest frame of every camera that has one, without waiting on slow cameras."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from streamer.errors import CameraClosed
from streamer.feed import CameraFeed
from streamer.frame import Frame


async def newest_frames(feeds: Sequence[CameraFeed], wait_s: float) -> list[Frame]:
    """The waiting frame of each feed that has one; when none has, wait up to `wait_s` for
    the first to deliver (then take whatever the others have by then). Empty on time-out."""
    if not any(feed.peek() is not None for feed in feeds):
        await _first_delivery(feeds, wait_s)
    frames = []
    for feed in feeds:
        # get() returns at once when peek() saw a frame: only this loop takes frames
        if feed.peek() is not None:
            try:
                frames.append(await feed.get())
            except CameraClosed:
                continue
    return frames


async def _first_delivery(feeds: Sequence[CameraFeed], wait_s: float) -> None:
    """Wait until some feed holds a frame, taking nothing out of any slot; a feed closed
    meanwhile just stops counting."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    pending = {asyncio.create_task(feed.wait_filled()) for feed in feeds}
    try:
        while pending:
            done, pending = await asyncio.wait(
                pending,
                timeout=max(0.0, deadline - loop.time()),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not done or any(task.exception() is None for task in done):
                return  # the time is up, or a frame waits
        # no feed, or every one closed: wait out the time as a feed that stays silent would
        await asyncio.sleep(max(0.0, deadline - loop.time()))
    finally:
        for task in pending:
            task.cancel()
