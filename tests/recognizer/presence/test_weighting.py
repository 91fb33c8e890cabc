"""sighting_weight: what one sighting of a face counts for in its track's evidence."""

from __future__ import annotations

from recognizer.presence.weighting import sighting_weight
from recognizer.quality import FaceQuality

LIMITS = {"min_face_px": 20.0, "min_det_score": 0.5, "max_yaw": 70.0}


def quality(
    size: float, sharpness: float = 60.0, det: float = 0.8, yaw: float = 0.0
) -> FaceQuality:
    return FaceQuality(det, size, sharpness, yaw, 0.0, 0.0)


def test_a_large_sharp_frontal_face_counts_fully() -> None:
    assert sighting_weight(quality(80), **LIMITS) == 1.0


def test_smaller_faces_count_less_but_still_count_down_to_the_floor() -> None:
    weights = [sighting_weight(quality(size), **LIMITS) for size in (20, 24, 28, 32, 40, 56)]
    assert weights == sorted(weights) and 0.0 < weights[0] < weights[-1] == 1.0
    assert sighting_weight(quality(19.9), **LIMITS) == 0.0


def test_a_blurred_face_counts_less_than_the_same_face_sharp() -> None:
    sharp, blurred = (sighting_weight(quality(30, s), **LIMITS) for s in (40.0, 6.0))
    assert 0.0 < blurred < sharp


def test_a_doubtful_detection_or_a_profile_does_not_count() -> None:
    assert sighting_weight(quality(60, det=0.4), **LIMITS) == 0.0
    assert sighting_weight(quality(60, yaw=80.0), **LIMITS) == 0.0
