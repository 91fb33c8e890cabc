"""Where a camera is in its clip, on the test's clock, from the service's frame counter.

Every camera here plays its clip in real time from the first frame, and the status endpoint
counts every frame received (analysed or not). Read at monotonic time `t` with `n` frames in,
the clip started at about `t - (n - 1) / fps`. A stream that arrives late and then in a burst
(an RTSP client probing the stream first) makes single readings late; the earliest estimate
over the clip's first pass is the closest, whatever the poll interval.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from tests.web.e2e.api_client import ApiClient

POLL_S = 0.1


@dataclass
class ClipClock:
    fps: float
    seconds: float  # one pass of the clip
    start: float | None = None  # time.monotonic() of the clip's first frame, best estimate

    def observe(self, at: float, frames_received: int) -> None:
        if frames_received <= 0:
            return
        estimate = at - (frames_received - 1) / self.fps
        self.start = estimate if self.start is None else min(self.start, estimate)

    def first_pass_over(self, now: float) -> bool:
        return self.start is not None and now >= self.start + self.seconds


async def follow_clip(client: ApiClient, camera_id: str, clock: ClipClock) -> None:
    """Poll the camera's status into `clock` until the clip's first pass is over (later
    passes follow loops or reconnects, with gaps that say nothing more)."""
    while not clock.first_pass_over(time.monotonic()):
        sent = time.monotonic()
        status = await client.call("GET", f"/api/cameras/{camera_id}/status")
        clock.observe((sent + time.monotonic()) / 2, status["frames_received"])
        await asyncio.sleep(POLL_S)
