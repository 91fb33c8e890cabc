"""SCRFD detection: batching, per-axis scaling, small and very large faces."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.errors import ImageError
from recognizer.letterbox import letterbox


def test_letterbox_keeps_the_aspect_and_records_each_axis_scale() -> None:
    frame = np.zeros((480, 641, 3), np.uint8)
    box = letterbox(frame, (640, 640))
    assert box.canvas.shape == (640, 640, 3)
    # 641 -> 640 wide, 480 -> 479 high: the two scales differ and both are kept.
    assert box.scale_x == pytest.approx(640 / 641)
    assert box.scale_y == pytest.approx(479 / 480)
    corner = box.to_frame(np.array([[640.0, 479.0]]))
    np.testing.assert_allclose(corner, [[641.0, 480.0]], atol=1e-4)


def test_all_seven_small_faces_of_a_group_photo_are_found(
    analyzer: FaceAnalyzer, group_photo: np.ndarray
) -> None:
    found = analyzer.detect([group_photo])[0]
    assert len(found) == 7
    assert all(d.landmarks.shape == (5, 2) and d.bbox.dtype == np.float32 for d in found)
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)


def test_a_batch_gives_the_same_faces_as_frames_one_by_one(
    analyzer: FaceAnalyzer, group_photo: np.ndarray, portrait: np.ndarray
) -> None:
    frames = [group_photo, portrait, group_photo[:, ::-1].copy(), portrait[:900]]
    batched = analyzer.detect(frames)
    for frame, faces in zip(frames, batched, strict=True):
        alone = analyzer.detect([frame])[0]
        assert len(alone) == len(faces)
        for a, b in zip(alone, faces, strict=True):
            np.testing.assert_allclose(a.bbox, b.bbox, atol=1e-2)
            assert a.score == pytest.approx(b.score, abs=1e-4)


def test_boxes_land_on_the_face_in_a_wide_frame(
    analyzer: FaceAnalyzer, portrait: np.ndarray
) -> None:
    # The same face pasted into a wider canvas: the mapping must put it back in place (the
    # detector sees it at a coarser scale, so allow 3% of the face's size).
    canvas = np.zeros((1868, 3320, 3), np.uint8)
    canvas[:, 1500:2882] = portrait
    original = analyzer.detect([portrait])[0][0]
    moved = analyzer.detect([canvas])[0][0]
    tolerance = 0.03 * original.size_px
    expected = original.bbox + np.array([1500, 0, 1500, 0])
    np.testing.assert_allclose(moved.bbox, expected, atol=tolerance)


@pytest.mark.parametrize("margin", [0.0, -0.06, 0.1])
def test_a_face_filling_the_whole_frame_is_still_found(
    analyzer: FaceAnalyzer, portrait: np.ndarray, margin: float
) -> None:
    # A student close to a laptop webcam: the photo cropped tight to the face (or tighter),
    # which SCRFD's single pass misses entirely.
    face = analyzer.detect([portrait])[0][0]
    x1, y1, x2, y2 = face.bbox
    dx, dy = margin * (x2 - x1), margin * (y2 - y1)
    crop = portrait[int(y1 - dy) : int(y2 + dy), int(x1 - dx) : int(x2 + dx)]
    assert analyzer.detector.detect_primary([crop])[0] == []  # the failure being fixed
    found = analyzer.analyze([crop])[0]
    assert len(found) == 1
    box = found[0].bbox
    assert min(box[2] - box[0], box[3] - box[1]) > 0.8 * min(crop.shape[:2])
    # Its landmarks are good enough to recognise the person (0.86-0.96 measured).
    whole = analyzer.analyze([portrait])[0][0]
    assert found[0].usable and float(found[0].embedding @ whole.embedding) > 0.75


def test_frames_without_faces_give_empty_lists(analyzer: FaceAnalyzer) -> None:
    blank = np.full((480, 640, 3), 127, np.uint8)
    noise = np.random.default_rng(3).integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    assert analyzer.detect([blank, noise]) == [[], []]
    assert analyzer.detect([]) == []


def test_a_tiny_frame_is_handled(analyzer: FaceAnalyzer) -> None:
    assert analyzer.analyze([np.zeros((16, 16, 3), np.uint8)]) == [[]]


def test_a_frame_that_is_not_bgr_uint8_is_refused_clearly(analyzer: FaceAnalyzer) -> None:
    with pytest.raises(ImageError, match="HxWx3 BGR uint8"):
        analyzer.analyze([np.zeros((64, 64), np.uint8)])
    with pytest.raises(ImageError, match="HxWx3 BGR uint8"):
        analyzer.detect([np.zeros((64, 64, 3), np.float32)])


def test_any_detector_size_on_the_stride_grid_works(
    group_photo: np.ndarray, portrait: np.ndarray
) -> None:
    from recognizer.config import RecognizerConfig

    analyzer = FaceAnalyzer.from_config(RecognizerConfig(det_size=(608, 480)))
    assert analyzer.detector.input_size == (608, 480)
    faces = analyzer.detect([group_photo, portrait])
    assert [len(f) for f in faces] == [7, 1]


def test_a_detector_size_off_the_stride_grid_is_refused() -> None:
    from pydantic import ValidationError

    from recognizer.config import RecognizerConfig

    with pytest.raises(ValidationError, match="multiples of 32"):
        RecognizerConfig(det_size=(600, 480))
