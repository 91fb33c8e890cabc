"""Unknown faces carry an image of the face only when the config asks for it, and then the
image is the aligned crop of that very face."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from recognizer.gallery import Gallery
from recognizer.presence.best_face import better_face, face_rank
from recognizer.presence.config import PresenceConfig
from recognizer.presence.context import ClassContext
from recognizer.presence.engine import PresenceEngine
from recognizer.presence.events import UnknownFace
from recognizer.quality import FaceQuality
from tests.ids import uid
from tests.recognizer.presence.conftest import Cast
from tests.recognizer.presence.scene import T0, Seat, frame, times

ANN, JOHN, STRANGER = uid("Ann_Veneman"), uid("John_Manley"), uid("Gordon_Brown")
CAM, S1 = uid("cam"), uid("s1")


def unknown_faces(engine: PresenceEngine, seats: list[Seat]) -> list[UnknownFace]:
    engine.set_context(CAM, ClassContext(S1, frozenset({ANN}), T0 + timedelta(hours=1), T0))
    updates = [engine.process([frame(CAM, t, seats)]) for t in times(24, 0.5)]
    return [e for u in updates for e in u.events if isinstance(e, UnknownFace)]


def embedding_of(analyzer: FaceAnalyzer, crop: np.ndarray) -> np.ndarray:
    return analyzer.embed_crops([crop])[0]


def cutout_embedding(analyzer: FaceAnalyzer, cutout: np.ndarray) -> np.ndarray:
    (face,) = analyzer.analyze([cutout])[0]
    assert face.embedding is not None
    return face.embedding


def quality(*, det_score: float = 0.9, size_px: float = 112.0, yaw: float = 0.0) -> FaceQuality:
    return FaceQuality(det_score, size_px, sharpness=300.0, yaw=yaw, pitch=0.0, roll=0.0)


def test_by_default_an_unknown_face_carries_no_image(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    engine = PresenceEngine(analyzer, gallery, PresenceConfig())
    (unknown,) = unknown_faces(engine, [Seat(cast.cutouts[STRANGER], 1)])
    assert unknown.face is None


def test_when_asked_each_unknown_face_carries_its_own_aligned_crop(
    analyzer: FaceAnalyzer, cast: Cast
) -> None:
    # John is not in this gallery: two strangers sit side by side
    templates = [t for t in cast.templates if t.person_id != JOHN]
    gallery = Gallery.from_templates(RecognizerConfig(), templates)
    engine = PresenceEngine(analyzer, gallery, PresenceConfig(keep_unknown_faces=True))
    seats = [Seat(cast.cutouts[JOHN], 0), Seat(cast.cutouts[STRANGER], 2)]

    unknown = unknown_faces(engine, seats)

    assert len(unknown) == 2
    references = {name: cutout_embedding(analyzer, cast.cutouts[name]) for name in (JOHN, STRANGER)}
    for event in unknown:
        assert event.face is not None
        assert event.face.shape == (112, 112, 3) and event.face.dtype == np.uint8
        similarity = {
            name: float(embedding_of(analyzer, event.face) @ ref)
            for name, ref in references.items()
        }
        best = max(similarity, key=similarity.__getitem__)
        assert similarity[best] > 0.6, similarity
        other = JOHN if best == STRANGER else STRANGER
        assert similarity[other] < 0.3, similarity
    assert {e.track_id for e in unknown} == {1, 2}


def test_identified_students_produce_no_unknown_face_even_when_faces_are_kept(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    engine = PresenceEngine(analyzer, gallery, PresenceConfig(keep_unknown_faces=True))
    assert unknown_faces(engine, [Seat(cast.cutouts[ANN], 0)]) == []


def test_a_frontal_confident_full_size_face_ranks_above_a_turned_small_or_doubtful_one() -> None:
    best = face_rank(quality())
    assert best > face_rank(quality(yaw=40.0))
    assert best > face_rank(quality(size_px=50.0))
    assert best > face_rank(quality(det_score=0.6))
    assert face_rank(quality(size_px=300.0)) == best  # beyond the crop's resolution: no gain


def test_the_best_face_so_far_is_replaced_only_by_a_better_one() -> None:
    first, second, third = (np.full((112, 112, 3), v, np.uint8) for v in (1, 2, 3))
    kept = better_face(None, first, quality(size_px=60.0))
    kept = better_face(kept, second, quality(size_px=100.0))
    kept = better_face(kept, third, quality(size_px=80.0))
    assert kept.image is second
