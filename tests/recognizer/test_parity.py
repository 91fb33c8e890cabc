"""Rollcall's SCRFD decoding, alignment and embedding agree with InsightFace's own code.

The reference numbers were produced once with InsightFace in a scratch environment; see
tests/recognizer/data/README.md for exactly how.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from recognizer.alignment import align_face, alignment_matrix
from recognizer.analyzer import FaceAnalyzer
from recognizer.detector import Detection
from recognizer.images import load_image
from recognizer.letterbox import letterbox

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "parity_reference.json").read_text(encoding="utf-8")
)
PHOTOS = REFERENCE["photos"]


@pytest.fixture(scope="module", params=PHOTOS, ids=[p["path"] for p in PHOTOS])
def case(request: pytest.FixtureRequest, faces_dir: Path) -> tuple[dict, np.ndarray]:
    photo = request.param
    data = (faces_dir / photo["path"]).read_bytes()
    if hashlib.sha256(data).hexdigest() != photo["photo_sha256"]:
        pytest.fail(f"{photo['path']} changed since the reference was made: regenerate it")
    return photo, load_image(faces_dir / photo["path"])


def _tolerance_px(frame: np.ndarray, analyzer: FaceAnalyzer) -> float:
    # InsightFace uses the y scale for x too; both floor the resized width, so x may differ by
    # up to one detector-input pixel in frame units (see data/README.md).
    box = letterbox(frame, analyzer.detector.input_size)
    return 1.0 / min(box.scale_x, box.scale_y) + 0.01


def _match(reference: dict, found: list[Detection]) -> Detection:
    centre = np.mean(np.reshape(reference["bbox"], (2, 2)), axis=0)
    return min(found, key=lambda d: np.linalg.norm(d.bbox.reshape(2, 2).mean(axis=0) - centre))


def test_detection_finds_the_same_faces_with_the_same_scores(
    case: tuple[dict, np.ndarray], analyzer: FaceAnalyzer
) -> None:
    photo, frame = case
    assert list(frame.shape) == photo["shape"]
    found = analyzer.detector.detect_primary([frame])[0]
    assert len(found) == len(photo["faces"])
    for reference in photo["faces"]:
        assert _match(reference, found).score == pytest.approx(reference["score"], abs=2e-4)


def test_boxes_and_landmarks_agree_within_one_detector_pixel(
    case: tuple[dict, np.ndarray], analyzer: FaceAnalyzer
) -> None:
    photo, frame = case
    tolerance = _tolerance_px(frame, analyzer)
    found = analyzer.detector.detect_primary([frame])[0]
    for reference in photo["faces"]:
        mine = _match(reference, found)
        np.testing.assert_allclose(mine.bbox, reference["bbox"], atol=tolerance)
        np.testing.assert_allclose(mine.landmarks, reference["landmarks"], atol=tolerance)
        # y uses the same scale in both implementations: it agrees to float precision.
        np.testing.assert_allclose(mine.bbox[1::2], reference["bbox"][1::2], atol=0.01)


def test_alignment_reproduces_norm_crop_from_the_same_landmarks(
    case: tuple[dict, np.ndarray],
) -> None:
    photo, frame = case
    for reference in photo["faces"]:
        landmarks = np.asarray(reference["landmarks"], np.float32)
        np.testing.assert_allclose(
            alignment_matrix(landmarks), reference["align_matrix"], atol=2e-4, rtol=1e-4
        )
        crop = align_face(frame, landmarks)
        thumb = cv2.resize(
            cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), (16, 16), interpolation=cv2.INTER_AREA
        )
        difference = np.abs(thumb.astype(int) - np.asarray(reference["crop_thumb16"]))
        assert difference.max() <= 1


def test_embeddings_match_insightface_arcface_on_the_same_crops(
    case: tuple[dict, np.ndarray], analyzer: FaceAnalyzer
) -> None:
    photo, frame = case
    for reference in photo["faces"]:
        detection = Detection(
            np.asarray(reference["bbox"], np.float32),
            np.asarray(reference["landmarks"], np.float32),
            reference["score"],
        )
        embedding = analyzer.embed(frame, [detection])[0]
        assert float(embedding @ np.asarray(reference["embedding"])) > 0.999
