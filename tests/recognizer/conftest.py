"""Fixtures of the recognizer tests: the real default model pack and real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.evaluation import PhotoFace, measure_photos, read_identities
from recognizer.images import load_image


@pytest.fixture(scope="session")
def portrait(faces_dir: Path) -> np.ndarray:
    """A studio portrait: one large frontal face (1382x1868 px)."""
    return load_image(faces_dir / "deepface" / "img1.jpg")


@pytest.fixture(scope="session")
def group_photo(faces_dir: Path) -> np.ndarray:
    """A PASCAL VOC photo with seven small (37-45 px) faces, boxed in face_boxes.csv."""
    return load_image(faces_dir / "dlib" / "2007_007763.jpg")


@pytest.fixture(scope="session")
def labelled_faces(analyzer: FaceAnalyzer, faces_dir: Path) -> dict[str, PhotoFace | None]:
    """Every photo of labels.csv measured once for the whole run (one to two minutes)."""
    labels = read_identities(faces_dir / "labels.csv")
    return measure_photos(analyzer, faces_dir, [label.path for label in labels])
