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
    """Wait until some feed holds a frame, taking nothing out of any slot."""
    if not feeds:
        await asyncio.sleep(wait_s)
        return
    deadline = asyncio.get_running_loop().time() + wait_s
    # A feed offers no "frame arrived" signal without taking the frame, so poll briefly:
    # the analysis rate is a few frames per second, and 10 ms is a fraction of one interval.
    while asyncio.get_running_loop().time() < deadline:
        if any(feed.peek() is not None for feed in feeds):
            return
        await asyncio.sleep(0.01)
