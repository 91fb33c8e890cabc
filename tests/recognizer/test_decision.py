"""The open-set decision rule: a threshold, and a margin over the next *different* person."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from recognizer.decision import NO_SECOND_SCORE, Candidate, decide, match
from recognizer.evaluation import PhotoFace, read_identities
from recognizer.gallery import Gallery
from recognizer.templates import Template
from tests.ids import uid


def test_accepts_only_above_the_threshold() -> None:
    assert decide(0.50, 0.10, threshold=0.40, margin=0.05)
    assert decide(0.40, 0.10, threshold=0.40, margin=0.05)
    assert not decide(0.39, 0.10, threshold=0.40, margin=0.05)


def test_refuses_a_best_person_not_clearly_ahead_of_the_next_person() -> None:
    assert not decide(0.70, 0.68, threshold=0.40, margin=0.05)
    assert decide(0.70, 0.64, threshold=0.40, margin=0.05)


def test_a_lone_candidate_is_decided_by_the_threshold() -> None:
    assert decide(0.45, NO_SECOND_SCORE, threshold=0.40, margin=0.05)
    assert not decide(0.35, NO_SECOND_SCORE, threshold=0.40, margin=0.05)


def test_match_carries_the_person_score_and_margin() -> None:
    result = match(Candidate(uid("ada"), 0.62, 0.20), threshold=0.4, margin=0.05)
    assert (result.person_id, result.accepted) == (uid("ada"), True)
    assert result.score == pytest.approx(0.62) and result.margin == pytest.approx(0.42)


def test_nobody_to_compare_against_is_never_accepted() -> None:
    assert not match(Candidate(None, 1.0), threshold=-1.0, margin=0.0).accepted


@dataclass(frozen=True)
class RealFaces:
    """labels.csv split as `rollcall evaluate identification` does, as usable embeddings."""

    gallery: Gallery
    probes: np.ndarray  # second photo of enrolled people
    probe_ids: list[UUID]
    strangers: np.ndarray  # the photo of every single-photo identity


@pytest.fixture(scope="module")
def real_faces(
    analyzer: FaceAnalyzer, faces_dir: Path, labelled_faces: dict[str, PhotoFace | None]
) -> RealFaces:
    by_identity: dict[str, list[str]] = {}
    for label in read_identities(faces_dir / "labels.csv"):
        by_identity.setdefault(label.identity, []).append(label.path)
    # Every multi-photo identity is enrolled from its first photo; every other one also gives
    # a probe (its second photo), which is enough to show the rule still accepts people.
    enrolled = {
        identity: paths[: 2 if n % 2 == 0 else 1]
        for n, (identity, paths) in enumerate(
            (i, paths) for i, paths in by_identity.items() if len(paths) >= 2
        )
    }
    singles = [paths[0] for paths in by_identity.values() if len(paths) == 1]
    wanted = [p for paths in enrolled.values() for p in paths] + singles
    faces = {path: labelled_faces.get(path) for path in wanted}

    def usable(path: str) -> np.ndarray | None:
        face = faces.get(path)
        return face.embedding if face is not None and face.usable else None

    gallery = Gallery(RecognizerConfig(), dim=analyzer.embedding_dim)
    probes, probe_ids = [], []
    for identity, (first, *second) in enrolled.items():
        template = usable(first)
        if template is None:
            continue
        gallery.add(uid(identity), [Template(uid(first), uid(identity), template)])
        if second and (probe := usable(second[0])) is not None:
            probes.append(probe)
            probe_ids.append(uid(identity))
    strangers = [e for e in map(usable, singles) if e is not None]
    return RealFaces(gallery, np.stack(probes), probe_ids, np.stack(strangers))


def test_real_strangers_are_not_accepted_as_students_at_the_default_rule(
    real_faces: RealFaces,
) -> None:
    gallery = real_faces.gallery
    assert len(gallery.person_ids()) > 150 and len(real_faces.strangers) > 200
    matches = gallery.identify(real_faces.strangers)
    false_accepts = sum(m.accepted for m in matches)
    assert false_accepts <= 0.01 * len(matches)


def test_real_enrolled_people_are_still_accepted_at_the_default_rule(
    real_faces: RealFaces,
) -> None:
    # Guards the stranger test above: a rule that refused everybody would pass it.
    assert len(real_faces.probe_ids) > 60
    matches = real_faces.gallery.identify(real_faces.probes)
    correct = [
        m.accepted and m.person_id == p for m, p in zip(matches, real_faces.probe_ids, strict=True)
    ]
    assert np.mean(correct) >= 0.80
