"""Box overlap: IoU in continuous coordinates and in inclusive pixels, greedy NMS."""

from __future__ import annotations

import numpy as np

from recognizer.boxes import iou_matrix, nms


def boxes(*rows: tuple[float, float, float, float]) -> np.ndarray:
    return np.array(rows, np.float32)


def test_iou_of_identical_disjoint_and_half_overlapping_boxes() -> None:
    a = boxes((0, 0, 10, 10))
    b = boxes((0, 0, 10, 10), (50, 50, 60, 60), (5, 0, 15, 10))
    np.testing.assert_allclose(iou_matrix(a, b), [[1.0, 0.0, 50 / 150]], rtol=1e-6)


def test_the_iou_matrix_has_a_row_per_box_of_the_first_set() -> None:
    a = boxes((0, 0, 10, 10), (5, 0, 15, 10))
    b = boxes((0, 0, 10, 10), (100, 100, 110, 110), (5, 0, 15, 10))

    overlaps = iou_matrix(a, b)

    assert overlaps.shape == (2, 3)
    np.testing.assert_allclose(overlaps, [[1.0, 0.0, 1 / 3], [1 / 3, 0.0, 1.0]], rtol=1e-6)


def test_boxes_without_area_overlap_nothing() -> None:
    point = boxes((5, 5, 5, 5))
    assert iou_matrix(point, point).tolist() == [[0.0]]


def test_inclusive_pixels_count_both_edges() -> None:
    """Pixel boxes 0..9 and 5..14 are 10 pixels wide and share 5 columns (InsightFace's +1)."""
    a, b = boxes((0, 0, 9, 9)), boxes((5, 0, 14, 9))

    np.testing.assert_allclose(iou_matrix(a, b, inclusive_pixels=True), [[50 / 150]], rtol=1e-6)
    np.testing.assert_allclose(iou_matrix(a, b), [[36 / 126]], rtol=1e-6)


def test_nms_keeps_the_best_of_overlapping_boxes_and_distinct_ones() -> None:
    found = boxes((0, 0, 100, 100), (5, 5, 105, 105), (200, 200, 260, 260))
    scores = np.array([0.7, 0.9, 0.8], np.float32)
    assert nms(found, scores, 0.4).tolist() == [1, 2]


def test_nms_drops_a_box_only_above_the_threshold() -> None:
    found = boxes((0, 0, 9, 9), (5, 0, 14, 9))  # IoU 1/3 in inclusive pixels
    scores = np.array([0.9, 0.8], np.float32)

    assert nms(found, scores, 1 / 3 + 1e-6).tolist() == [0, 1]
    assert nms(found, scores, 0.3).tolist() == [0]


def test_nms_breaks_score_ties_by_order_and_keeps_nothing_of_nothing() -> None:
    found = boxes((0, 0, 10, 10), (0, 0, 10, 10))
    assert nms(found, np.array([0.5, 0.5], np.float32), 0.4).tolist() == [0]
    assert nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.4).tolist() == []
