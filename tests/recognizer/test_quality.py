"""Face quality: small, blurred and turned faces are flagged unusable with a reason."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.alignment import ARCFACE_TEMPLATE
from recognizer.analyzer import FaceAnalyzer
from recognizer.pose import estimate_pose


def test_a_frontal_template_face_has_no_pose() -> None:
    pose = estimate_pose(ARCFACE_TEMPLATE)
    assert abs(pose.yaw) < 1 and abs(pose.pitch) < 1 and abs(pose.roll) < 1


def test_a_rolled_face_reads_as_roll_only() -> None:
    angle = np.radians(25)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    pose = estimate_pose(ARCFACE_TEMPLATE @ rotation.T)
    assert pose.roll == pytest.approx(25, abs=0.5)
    assert abs(pose.yaw) < 1 and abs(pose.pitch) < 1


def test_a_nose_towards_one_eye_reads_as_a_turned_head() -> None:
    turned = ARCFACE_TEMPLATE.copy()
    turned[2, 0] = turned[1, 0] - 2  # nose tip almost under one eye
    assert estimate_pose(turned).yaw > 45
    turned[2, 0] = turned[0, 0] - 25  # nose far beyond the other eye: a near profile
    assert estimate_pose(turned).yaw < -70


def test_a_near_profile_is_unusable_for_its_pose(analyzer: FaceAnalyzer) -> None:
    from recognizer.config import RecognizerConfig
    from recognizer.detector import Detection
    from recognizer.quality import QualityGate

    profile = ARCFACE_TEMPLATE * 4
    profile[2, 0] = profile[0, 0] - 100
    detection = Detection(np.array([0, 0, 448, 448], np.float32), profile, 0.9)
    crop = np.random.default_rng(0).integers(0, 255, (112, 112, 3), dtype=np.uint8)
    quality = QualityGate.from_config(RecognizerConfig()).assess(detection, crop)
    assert not quality.usable
    assert quality.reasons == (quality.reasons[0],) and "head turned" in quality.reasons[0]


def test_a_sharp_frontal_portrait_is_usable(analyzer: FaceAnalyzer, portrait: np.ndarray) -> None:
    face = analyzer.analyze([portrait])[0][0]
    assert face.usable and face.quality.reasons == ()
    assert face.quality.size_px > 500 and abs(face.quality.yaw) < 20


def test_a_face_under_40_px_is_unusable_for_its_size(
    analyzer: FaceAnalyzer, portrait: np.ndarray
) -> None:
    small = cv2.resize(portrait, None, fx=0.05, fy=0.05, interpolation=cv2.INTER_AREA)
    canvas = np.zeros((240, 320, 3), np.uint8)
    canvas[: small.shape[0], : small.shape[1]] = small
    faces = analyzer.analyze([canvas])[0]
    assert len(faces) == 1
    assert not faces[0].usable and faces[0].embedding is None
    assert any("too small" in reason for reason in faces[0].quality.reasons)


def test_a_heavily_blurred_face_is_unusable_as_blurry(
    analyzer: FaceAnalyzer, portrait: np.ndarray
) -> None:
    # sigma 30 on this 600 px face is about 4 px in the 112 px crop: identity mostly gone.
    blurred = cv2.GaussianBlur(portrait, (0, 0), sigmaX=30)
    faces = analyzer.analyze([blurred])[0]
    assert faces, "the blurred face should still be detected"
    assert any("blurry" in reason for reason in faces[0].quality.reasons)
    assert faces[0].embedding is None
