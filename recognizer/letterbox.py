"""Letterboxing: fit a frame into the detector's fixed canvas and map points back per axis."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Letterbox padding is black before normalisation, as in InsightFace (parity depends on it).
PAD_VALUE = 0


@dataclass(frozen=True)
class Letterbox:
    """A frame resized into a detector canvas: canvas = frame * scale + offset, per axis."""

    canvas: np.ndarray
    scale_x: float
    scale_y: float
    offset_x: int = 0
    offset_y: int = 0

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Map (..., 2) canvas points back to frame coordinates."""
        out = np.empty_like(points)
        out[..., 0] = (points[..., 0] - self.offset_x) / self.scale_x
        out[..., 1] = (points[..., 1] - self.offset_y) / self.scale_y
        return out


def letterbox(frame: np.ndarray, size: tuple[int, int]) -> Letterbox:
    """Resize keeping the aspect ratio into the top-left of a (width, height) canvas."""
    width, height = size
    frame_h, frame_w = frame.shape[:2]
    # Same rounding as InsightFace so that boxes agree with the reference implementation.
    if frame_h / frame_w > height / width:
        new_h, new_w = height, max(1, int(height / (frame_h / frame_w)))
    else:
        new_w, new_h = width, max(1, int(width * (frame_h / frame_w)))
    canvas = np.full((height, width, 3), PAD_VALUE, dtype=np.uint8)
    canvas[:new_h, :new_w] = cv2.resize(frame, (new_w, new_h))
    return Letterbox(canvas, new_w / frame_w, new_h / frame_h)


def padded_letterbox(frame: np.ndarray, size: tuple[int, int], shrink: float) -> Letterbox:
    """Letterbox at `shrink` times the fitting scale, centred with padding all around."""
    width, height = size
    frame_h, frame_w = frame.shape[:2]
    scale = min(width / frame_w, height / frame_h) * shrink
    new_w, new_h = max(1, round(frame_w * scale)), max(1, round(frame_h * scale))
    left, top = (width - new_w) // 2, (height - new_h) // 2
    canvas = np.full((height, width, 3), PAD_VALUE, dtype=np.uint8)
    resized = cv2.resize(frame, (new_w, new_h), interpolation=cv2.INTER_AREA)
    canvas[top : top + new_h, left : left + new_w] = resized
    return Letterbox(canvas, new_w / frame_w, new_h / frame_h, left, top)
