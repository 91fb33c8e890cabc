"""Synthetic camera frames for the presence tests: real portraits pasted onto a classroom-sized
canvas, at positions that move a little from frame to frame like seated students."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import cv2
import numpy as np

from recognizer.analyzer import FaceAnalyzer
from recognizer.presence.frame import CameraFrame

CANVAS = (480, 640)  # height, width
CUTOUT_SIDE = 150  # px; the face inside is 60-75 px wide, well above the quality gate's 40
SEATS = ((30, 150), (240, 150), (450, 150), (240, 320))  # top-left corners on the canvas
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONOTONIC_ZERO = 5_000.0


def cut_face(analyzer: FaceAnalyzer, photo: np.ndarray) -> np.ndarray:
    """The largest face of a photo with some hair and background, as a square cutout."""
    faces = analyzer.detect([photo])[0]
    assert faces, "the photo must hold a face"
    x1, y1, x2, y2 = max(faces, key=lambda d: d.size_px).bbox
    side = max(x2 - x1, y2 - y1) * 1.6
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left, top = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    right = int(min(photo.shape[1], cx + side / 2))
    bottom = int(min(photo.shape[0], cy + side / 2))
    crop = photo[top:bottom, left:right]
    return cv2.resize(crop, (CUTOUT_SIDE, CUTOUT_SIDE), interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class Seat:
    """A cutout at one of the SEATS, drifting `drift_px` to the right per second."""

    cutout: np.ndarray
    seat: int
    drift_px: float = 4.0


def compose(seats: list[Seat], t: float) -> np.ndarray:
    canvas = np.full((*CANVAS, 3), 96, np.uint8)
    for seat in seats:
        x, y = SEATS[seat.seat]
        x += round(seat.drift_px * t)
        width = max(0, min(CUTOUT_SIDE, CANVAS[1] - x))  # drifting off the right edge cuts it
        canvas[y : y + CUTOUT_SIDE, x : x + width] = seat.cutout[:, :width]
    return canvas


def frame(camera_id: UUID, t: float, seats: list[Seat]) -> CameraFrame:
    """The camera's frame `t` seconds after T0 (wall clock and monotonic clock alike)."""
    return CameraFrame(
        camera_id=camera_id,
        image=compose(seats, t),
        captured_at=T0 + timedelta(seconds=t),
        monotonic=MONOTONIC_ZERO + t,
    )


def times(count: int, step_s: float, start_s: float = 0.0) -> list[float]:
    return [start_s + i * step_s for i in range(count)]
