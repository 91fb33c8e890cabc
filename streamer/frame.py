"""A decoded video frame, as handed to consumers."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from streamer.ids import CameraId


@dataclass(frozen=True, slots=True, eq=False)  # arrays do not compare as booleans
class Frame:
    """One decoded picture of one camera.

    `seq` numbers every frame the camera delivered (handed out or not), so gaps between
    consecutive handed-out frames show how many were skipped or dropped.
    """

    camera_id: CameraId
    image: np.ndarray  # H x W x 3, uint8, BGR
    seq: int
    captured_at: float  # wall clock (time.time()) when the frame was decoded
    monotonic: float  # time.monotonic() at the same instant, for ages and rates

    def age(self, now: float | None = None) -> float:
        """Seconds since the frame was decoded (monotonic clock)."""
        return (time.monotonic() if now is None else now) - self.monotonic
