"""ArcFace embeddings: unit float32 vectors, identical batched or not, without log noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer


@pytest.fixture(scope="module")
def group_faces(analyzer: FaceAnalyzer, group_photo: np.ndarray) -> list:
    return analyzer.detect([group_photo])[0]


def test_embeddings_are_512_unit_float32_vectors(
    analyzer: FaceAnalyzer, group_photo: np.ndarray, group_faces: list
) -> None:
    vectors = analyzer.embed(group_photo, group_faces)
    assert vectors.shape == (len(group_faces), 512) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert analyzer.embedding_dim == 512


def test_a_batch_embeds_each_face_as_if_alone(
    analyzer: FaceAnalyzer, group_photo: np.ndarray, group_faces: list
) -> None:
    batched = analyzer.embed(group_photo, group_faces)
    for i, face in enumerate(group_faces):
        alone = analyzer.embed(group_photo, [face])[0]
        assert float(alone @ batched[i]) > 0.9999


def test_no_faces_give_an_empty_matrix(analyzer: FaceAnalyzer, group_photo: np.ndarray) -> None:
    assert analyzer.embed(group_photo, []).shape == (0, 512)


def test_batched_runs_print_no_shape_warning(
    analyzer: FaceAnalyzer,
    group_photo: np.ndarray,
    group_faces: list,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # w600k_mbf.onnx declares an output batch of 1; ONNX Runtime would warn on every run.
    analyzer.embed(group_photo, group_faces)
    assert "VerifyOutputSizes" not in capfd.readouterr().err


def test_different_people_are_far_apart_and_the_same_person_close(
    analyzer: FaceAnalyzer, faces_dir: Path, portrait: np.ndarray
) -> None:
    from recognizer.images import load_image

    same = load_image(faces_dir / "deepface" / "img2.jpg")  # Angelina Jolie again
    other = load_image(faces_dir / "deepface" / "img12.jpg")  # Jennifer Aniston
    a, b, c = (f[0].embedding for f in analyzer.analyze([portrait, same, other]))
    assert float(a @ b) > 0.45
    assert float(a @ c) < 0.2
