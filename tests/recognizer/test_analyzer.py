"""FaceAnalyzer: frames to faces with quality and embeddings, batched and thread-safe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from recognizer.analyzer import Face, FaceAnalyzer


def test_every_face_of_every_frame_comes_back_in_frame_order(
    analyzer: FaceAnalyzer, portrait: np.ndarray, group_photo: np.ndarray
) -> None:
    blank = np.zeros((240, 320, 3), np.uint8)
    result = analyzer.analyze([portrait, blank, group_photo])
    assert [len(faces) for faces in result] == [1, 0, 7]
    face = result[0][0]
    assert isinstance(face, Face) and face.usable
    assert face.embedding is not None and face.embedding.shape == (512,)
    assert face.bbox.dtype == np.float32 and face.landmarks.shape == (5, 2)
    assert face.det_score == face.quality.det_score


def test_usable_faces_carry_embeddings_and_unusable_ones_say_why(
    analyzer: FaceAnalyzer, group_photo: np.ndarray
) -> None:
    for face in analyzer.analyze([group_photo])[0]:
        assert face.usable == (face.embedding is not None) == (face.quality.reasons == ())


def test_analyze_embeds_like_embed_on_the_same_detections(
    analyzer: FaceAnalyzer, group_photo: np.ndarray
) -> None:
    faces = [f for f in analyzer.analyze([group_photo])[0] if f.usable]
    detections = [d for d in analyzer.detect([group_photo])[0] if d.size_px >= 40]
    assert faces, "expect some usable faces in the group photo"
    direct = analyzer.embed(group_photo, detections)
    for face in faces:
        assert float(np.max(direct @ face.embedding)) > 0.9999


def test_concurrent_callers_get_the_same_answers_as_one_caller(
    analyzer: FaceAnalyzer, portrait: np.ndarray, group_photo: np.ndarray
) -> None:
    frames = [portrait, group_photo]
    expected = analyzer.analyze(frames)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: analyzer.analyze(frames), range(6)))
    for result in results:
        for got, want in zip(result, expected, strict=True):
            assert len(got) == len(want)
            for a, b in zip(got, want, strict=True):
                np.testing.assert_allclose(a.bbox, b.bbox, atol=1e-3)
                if b.embedding is not None:
                    assert float(a.embedding @ b.embedding) > 0.9999
