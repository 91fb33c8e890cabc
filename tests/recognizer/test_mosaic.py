"""Mosaics and whole-frame scans: small faces of a big frame found where they are, at a cost
that follows the faces, boxes mapped back exactly."""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.analyzer import FaceAnalyzer
from recognizer.boxes import iou_matrix
from recognizer.detector import scan_size
from recognizer.mosaic import CELL_PX, COLUMNS, neighbourhood, pack

FRAME = (1080, 1920)


def classroom(group_photo: np.ndarray, shrink: float) -> np.ndarray:
    """A 1080p frame holding the group photo's seven faces shrunk to 37-45 px * `shrink`,
    three times over, far apart."""
    small = cv2.resize(group_photo, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    frame = np.full((*FRAME, 3), 110, np.uint8)
    h, w = small.shape[:2]
    for left, top in ((40, 60), (900, 300), (1300, 700)):
        frame[top : top + h, left : left + w] = small
    return frame


def test_a_whole_frame_is_scanned_at_its_own_size_up_to_the_limit() -> None:
    assert scan_size((1080, 1920, 3), (1280, 736)) == (1280, 736)
    assert scan_size((480, 640, 3), (1280, 736)) == (640, 480)
    assert scan_size((100, 90, 3), (1280, 736)) == (96, 128)


def test_the_faces_of_a_1080p_back_row_are_found_by_a_scan_that_the_fixed_input_misses(
    analyzer: FaceAnalyzer, group_photo: np.ndarray
) -> None:
    frame = classroom(group_photo, 0.7)  # faces of 26-32 px
    assert len(analyzer.scan([frame], (1280, 736))[0]) == 21
    assert len(analyzer.detect([frame])[0]) < 21


def test_faces_looked_for_around_their_last_boxes_come_back_where_a_scan_finds_them(
    analyzer: FaceAnalyzer, group_photo: np.ndarray
) -> None:
    frame = classroom(group_photo, 0.7)
    scanned = analyzer.scan([frame], (1920, 1088))[0]
    followed = [d.bbox for d in scanned[::2]]  # only some of them are looked for
    found = analyzer.find_around([frame], [followed])[0]
    every_scanned = np.stack([d.bbox for d in scanned])
    # Each followed face is found again, in place; a neighbour inside its neighbourhood may
    # be found too, as the real face it is.
    again = iou_matrix(np.stack(followed), np.stack([d.bbox for d in found]))
    assert (again.max(axis=1) > 0.7).all()
    for detection in found:
        overlaps = iou_matrix(detection.bbox[None], every_scanned)[0]
        assert overlaps.max() > 0.7
        nearest = scanned[int(np.argmax(overlaps))]
        assert np.abs(detection.landmarks - nearest.landmarks).max() < 3.0


def test_nothing_to_look_for_costs_no_model_run(analyzer: FaceAnalyzer) -> None:
    frame = np.zeros((*FRAME, 3), np.uint8)
    assert analyzer.find_around([frame, frame], [[], []]) == [[], []]


def test_a_mosaic_holds_each_neighbourhood_in_its_own_cell_from_any_frame() -> None:
    frames = [np.full((*FRAME, 3), value, np.uint8) for value in (50, 200)]
    boxes = [
        [np.array([100, 100, 130, 130], np.float32)] * 3,
        [np.array([1800, 1000, 1900, 1080], np.float32)] * 4,
    ]
    mosaics = pack(frames, boxes, max_cells=5)
    assert [len(m.cells) for m in mosaics] == [5, 2]
    assert mosaics[0].canvas.shape == (CELL_PX, COLUMNS * CELL_PX, 3)
    small, edge = mosaics[0].cells[0], mosaics[0].cells[3]
    assert small.frame_index == 0 and edge.frame_index == 1
    assert small.scale_x > 1.9  # a 30 px face is shown nearly twice as large
    assert edge.region[2] == 1920 and edge.region[3] == 1080  # clipped to the frame
    # A canvas point maps back into the frame where the cell's picture came from.
    x, y = small.origin[0] + 10, small.origin[1] + 20
    np.testing.assert_allclose(
        small.to_frame(np.array([x, y], np.float32)),
        [small.region[0] + 10 / small.scale_x, small.region[1] + 20 / small.scale_y],
        rtol=1e-5,
    )
    assert neighbourhood(np.array([100, 100, 130, 130]), FRAME)[2] - 100 > 30
