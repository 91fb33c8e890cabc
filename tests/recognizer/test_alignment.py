"""Alignment: the least-squares similarity transform and the 112x112 ArcFace crop."""

from __future__ import annotations

import math

import numpy as np

from recognizer.alignment import ARCFACE_TEMPLATE, align_face, similarity_transform


def _similarity(scale: float, degrees: float, shift: tuple[float, float]) -> np.ndarray:
    a = math.radians(degrees)
    rotation = scale * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return np.hstack([rotation, np.array(shift)[:, None]])


def test_an_exact_similarity_is_recovered() -> None:
    truth = _similarity(0.37, 23.0, (-140.0, 61.5))
    source = np.random.default_rng(0).uniform(0, 500, (5, 2))
    target = source @ truth[:, :2].T + truth[:, 2]
    np.testing.assert_allclose(similarity_transform(source, target), truth, atol=1e-9)


def test_a_mirrored_point_set_still_gives_a_rotation_not_a_reflection() -> None:
    mirrored = ARCFACE_TEMPLATE * [-1.0, 1.0]
    matrix = similarity_transform(mirrored, ARCFACE_TEMPLATE)
    assert np.linalg.det(matrix[:, :2]) > 0


def test_landmarks_at_the_template_give_the_unchanged_crop() -> None:
    frame = np.random.default_rng(5).integers(0, 255, (112, 112, 3), dtype=np.uint8)
    np.testing.assert_array_equal(align_face(frame, ARCFACE_TEMPLATE.copy()), frame)


def test_a_scaled_and_rotated_face_is_brought_back_to_the_template() -> None:
    frame = np.zeros((500, 500, 3), np.uint8)
    truth = _similarity(2.5, -30.0, (150.0, 180.0))
    landmarks = ARCFACE_TEMPLATE @ truth[:, :2].T + truth[:, 2]
    for x, y in np.rint(landmarks).astype(int):
        frame[y - 2 : y + 3, x - 2 : x + 3] = 255
    crop = align_face(frame, landmarks.astype(np.float32))
    assert crop.shape == (112, 112, 3)
    for x, y in np.rint(ARCFACE_TEMPLATE).astype(int):
        assert crop[y, x].max() > 200
