"""The best face image of a track so far, kept for the unknown face the track may become."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognizer.quality import FaceQuality

# The aligned crop's side: a face at least this big in the frame loses nothing to the warp.
_FULL_RESOLUTION_PX = 112.0


@dataclass(frozen=True, slots=True, eq=False)
class BestFace:
    image: np.ndarray  # the aligned 112x112 BGR crop
    rank: float


def face_rank(quality: FaceQuality) -> float:
    """How good a face image is for a person to look at: a confident detection of a frontal
    face big enough to fill the aligned crop ranks highest (0..1)."""
    frontal = max(0.0, 1.0 - abs(quality.yaw) / 90.0) * max(0.0, 1.0 - abs(quality.pitch) / 90.0)
    resolution = min(1.0, quality.size_px / _FULL_RESOLUTION_PX)
    return float(quality.det_score) * frontal * resolution


def better_face(current: BestFace | None, image: np.ndarray, quality: FaceQuality) -> BestFace:
    """`current`, or the new image when it ranks higher (a tie keeps the earlier one)."""
    rank = face_rank(quality)
    if current is not None and current.rank >= rank:
        return current
    return BestFace(image, rank)
