"""A rough head pose read from the 5 SCRFD landmarks (no 3D model: enough to skip profiles)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from recognizer.alignment import ARCFACE_TEMPLATE

# On a frontal face the nose tip sits this far from the eyes, as a share of the eyes-to-mouth
# height (template values); yaw and pitch are read as the nose's departure from it.
_FRONTAL_NOSE_DROP = float(
    (ARCFACE_TEMPLATE[2, 1] - ARCFACE_TEMPLATE[:2, 1].mean())
    / (ARCFACE_TEMPLATE[3:, 1].mean() - ARCFACE_TEMPLATE[:2, 1].mean())
)
# The nose tip stands out from the eye plane by about 0.7 of half the eye distance; a head
# turned by angle a moves it sideways by depth * sin(a) while the eyes shrink by cos(a).
_NOSE_DEPTH = 0.7


@dataclass(frozen=True)
class HeadPose:
    yaw: float  # degrees, positive when the nose moves towards the image's right
    pitch: float  # degrees, positive when the nose drops towards the mouth (head down)
    roll: float  # degrees of the eye line from horizontal


def estimate_pose(landmarks: np.ndarray) -> HeadPose:
    points = landmarks.astype(np.float64)
    right_eye, left_eye, nose, mouth_right, mouth_left = points
    eye_vector = left_eye - right_eye
    roll = math.degrees(math.atan2(eye_vector[1], eye_vector[0]))
    # Undo the roll so that yaw and pitch are read along the face's own axes.
    angle = -math.radians(roll)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    right_eye, left_eye, nose, mouth_right, mouth_left = points @ rotation.T
    eye_mid = (right_eye + left_eye) / 2
    mouth_mid = (mouth_right + mouth_left) / 2
    half_eyes = max(abs(left_eye[0] - right_eye[0]) / 2, 1e-6)
    face_height = max(mouth_mid[1] - eye_mid[1], 1e-6)
    yaw = math.degrees(math.atan2((nose[0] - eye_mid[0]) / half_eyes, _NOSE_DEPTH))
    drop = (nose[1] - eye_mid[1]) / face_height - _FRONTAL_NOSE_DROP
    pitch = math.degrees(math.atan2(drop, _NOSE_DEPTH))
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll)
