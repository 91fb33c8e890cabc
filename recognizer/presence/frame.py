"""A frame handed to the presence engine, with both of its clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from recognizer.ids import CameraId
from recognizer.presence.errors import PresenceError


@dataclass(frozen=True, eq=False)
class CameraFrame:
    """One decoded frame of one camera.

    `captured_at` (aware, UTC) dates events; `monotonic` (time.monotonic() at capture) drives
    track ages, vote windows and re-check intervals, which must not jump with the wall clock.
    """

    camera_id: CameraId
    image: np.ndarray  # HxWx3 BGR uint8
    captured_at: datetime
    monotonic: float

    def __post_init__(self) -> None:
        if not isinstance(self.captured_at, datetime) or self.captured_at.utcoffset() is None:
            raise PresenceError(
                f"frame of camera {self.camera_id}: captured_at must be a timezone-aware "
                f"datetime, got {self.captured_at!r}"
            )
