"""How much one sighting of a face counts towards its track's pooled evidence.

A yes/no gate at 40 px throws away the back of a classroom; a weight lets a 28 px face
count for what it is worth. Measured on 50 people of ../shared/faces pasted into a 1080p
frame (sensor noise, JPEG), embedded and compared with each person's enrolment photo (see
PresenceConfig for the table): genuine similarity falls with size and blur while the best
impostor similarity stays flat, so a sighting's weight is the share of a large, sharp face's
similarity it keeps.
"""

from __future__ import annotations

import numpy as np

from recognizer.quality import FaceQuality

# Face size (shorter side of the box, px) -> weight, interpolated: the mean similarity of a
# track's pooled evidence to the person's enrolment photo (8 sightings, no blur) relative to
# a 56 px face's: 0.361 at 20 px, 0.407 at 24, 0.460 at 28, 0.496 at 32, 0.538 at 40, 0.577
# at 56, while strangers' best similarity stayed at 0.15 (mean) / 0.25 (max) at every size.
_SIZE_PX = (16.0, 20.0, 24.0, 28.0, 32.0, 40.0, 56.0)
_SIZE_WEIGHT = (0.0, 0.63, 0.71, 0.80, 0.86, 0.93, 1.0)
# Sharpness (variance of the Laplacian of the aligned 112 px crop) -> weight. Defocus (a
# Gaussian of sigma 1 or 1.6 frame px) took a 28 px face from 34 to 9.4 and 5.6 and its
# similarity to 0.72 and 0.47 of the sharp face's; a 56 px face to 30 and 16, and 0.91 and
# 0.78 of it. A sharper sighting of the same face therefore counts several times more.
_SHARPNESS = (4.0, 6.0, 9.0, 16.0, 30.0, 45.0)
_SHARPNESS_WEIGHT = (0.35, 0.5, 0.7, 0.8, 0.92, 1.0)


def sighting_weight(
    quality: FaceQuality, *, min_face_px: float, min_det_score: float, max_yaw: float
) -> float:
    """0 for a face that must not count at all (too small, doubtful detection, profile),
    else the weight of its embedding in the track's evidence, in (0, 1]."""
    if quality.size_px < min_face_px or quality.det_score < min_det_score:
        return 0.0
    if abs(quality.yaw) > max_yaw:
        return 0.0
    size = float(np.interp(quality.size_px, _SIZE_PX, _SIZE_WEIGHT))
    sharpness = float(np.interp(quality.sharpness, _SHARPNESS, _SHARPNESS_WEIGHT))
    return size * sharpness
