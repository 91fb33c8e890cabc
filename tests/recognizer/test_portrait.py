"""A portrait is a small square JPEG of the face, framed with a margin, inside the photo."""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.portrait import MAX_PORTRAIT_BYTES, PORTRAIT_PX, portrait_jpeg


def _decoded(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def _photo_with_a_red_face(box: tuple[int, int, int, int], size: tuple[int, int]) -> np.ndarray:
    width, height = size
    photo = np.full((height, width, 3), 255, np.uint8)
    x1, y1, x2, y2 = box
    photo[y1:y2, x1:x2] = (0, 0, 255)
    return photo


def test_the_portrait_is_a_square_jpeg_of_the_face_with_a_margin_around_it() -> None:
    box = (300, 200, 400, 300)
    image = _decoded(portrait_jpeg(_photo_with_a_red_face(box, (800, 600)), np.array(box)))
    assert image.shape == (PORTRAIT_PX, PORTRAIT_PX, 3)
    centre = image[PORTRAIT_PX // 2, PORTRAIT_PX // 2]
    corner = image[2, 2]
    assert centre[2] > 200 and centre[0] < 60  # the face (red) fills the middle...
    assert corner.min() > 200  # ...with the white around it in the margin


def test_a_face_at_the_photo_s_edge_is_moved_inside_rather_than_padded_with_black() -> None:
    box = (0, 0, 120, 120)
    image = _decoded(portrait_jpeg(_photo_with_a_red_face(box, (640, 480)), np.array(box)))
    assert image.shape == (PORTRAIT_PX, PORTRAIT_PX, 3)
    assert image.max(axis=2).min() > 150  # no black bars anywhere


def test_a_face_larger_than_the_photo_allows_still_gives_a_portrait_within_the_limit() -> None:
    box = (-50, -40, 700, 520)  # boxes may reach past the frame
    photo = np.random.default_rng(7).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    data = portrait_jpeg(photo, np.array(box, dtype=np.float32))
    assert len(data) <= MAX_PORTRAIT_BYTES
    assert _decoded(data).shape == (PORTRAIT_PX, PORTRAIT_PX, 3)
