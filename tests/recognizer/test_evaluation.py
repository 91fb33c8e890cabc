"""The acceptance figures on the full CSVs of ../shared/faces, and the scoring rules behind them.

The 903 photos of labels.csv (the same photos pairs.csv uses) are measured once for the session
(the `labelled_faces` fixture): about one to two minutes on two CPU cores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from recognizer.evaluation import (
    IdentityLabel,
    PairLabel,
    PhotoFace,
    evaluate_detection,
    read_identities,
    read_pairs,
    score_identification,
    score_verification,
)

DEFAULTS = RecognizerConfig()


@pytest.fixture(scope="module")
def measured(labelled_faces: dict[str, PhotoFace | None]) -> dict[str, PhotoFace | None]:
    return labelled_faces


@pytest.mark.slow
def test_detection_recall_on_face_boxes_is_at_least_90_percent(
    analyzer: FaceAnalyzer, faces_dir: Path
) -> None:
    report = evaluate_detection(analyzer, faces_dir / "face_boxes.csv")
    assert report.ground_truth == 18
    assert report.recall >= 0.9
    assert report.precision >= 0.8


@pytest.mark.slow
def test_verification_accuracy_on_all_pairs_is_at_least_97_percent(
    measured: dict[str, PhotoFace | None], faces_dir: Path
) -> None:
    pairs = read_pairs(faces_dir / "pairs.csv")
    report = score_verification(pairs, measured, DEFAULTS.match_threshold)
    assert report.pairs == 1498
    assert report.accuracy >= 0.97
    assert report.no_face == 0


@pytest.mark.slow
def test_identification_accepts_at_most_one_percent_of_strangers(
    measured: dict[str, PhotoFace | None], faces_dir: Path
) -> None:
    labels = read_identities(faces_dir / "labels.csv")
    report = score_identification(labels, measured, DEFAULTS.match_threshold, DEFAULTS.match_margin)
    assert (report.enrolled, report.probes, report.strangers) == (178, 447, 278)
    assert report.stranger_false_accept <= 0.01
    assert report.rank1 >= 0.97
    assert report.accepted_correct >= 0.9


def _face(*values: float, usable: bool = True) -> PhotoFace:
    vector = np.asarray(values, np.float32)
    return PhotoFace(vector / np.linalg.norm(vector), usable, 100.0)


def test_a_pair_with_a_faceless_photo_counts_as_judged_different() -> None:
    faces = {"a": _face(1, 0), "b": _face(1, 0.1), "c": None}
    pairs = [PairLabel("a", "b", True), PairLabel("a", "c", True), PairLabel("b", "c", False)]
    report = score_verification(pairs, faces, threshold=0.5)
    assert report.no_face == 2
    assert report.accuracy == pytest.approx(2 / 3)


def test_the_best_threshold_separates_separable_scores_perfectly() -> None:
    faces = {"a": _face(1, 0), "b": _face(0.9, 0.1), "c": _face(0, 1), "d": _face(0.2, 1)}
    pairs = [PairLabel("a", "b", True), PairLabel("c", "d", True), PairLabel("a", "c", False)]
    report = score_verification(pairs, faces, threshold=0.999)
    assert report.accuracy == pytest.approx(1 / 3)
    assert report.best_accuracy == 1.0
    assert 0.0 < report.best_threshold < 0.98
    assert report.tar_at_far_1e_3 == 1.0


def test_identification_enrols_first_photos_and_probes_singletons_as_strangers() -> None:
    labels = [
        IdentityLabel("ann1", "Ann"),
        IdentityLabel("ann2", "Ann"),
        IdentityLabel("bob1", "Bob"),
        IdentityLabel("bob2", "Bob"),
        IdentityLabel("eve", "Eve"),  # a stranger who looks like Ann
        IdentityLabel("zed", "Zed"),  # a stranger unlike anybody
    ]
    faces = {
        "ann1": _face(1, 0, 0),
        "ann2": _face(1, 0.2, 0),
        "bob1": _face(0, 1, 0),
        "bob2": _face(0, 1, 0.3),
        "eve": _face(1, 0.1, 0.1),
        "zed": _face(0, 0, 1),
    }
    report = score_identification(labels, faces, threshold=0.8, margin=0.1)
    assert (report.enrolled, report.probes, report.strangers) == (2, 2, 2)
    assert report.rank1 == 1.0 and report.accepted_correct == 1.0
    assert report.stranger_false_accept == 0.5


def test_the_margin_refuses_a_face_between_two_enrolled_people() -> None:
    labels = [IdentityLabel(p, p[:3]) for p in ("ann1", "ann2", "bob1", "bob2")]
    faces = {
        "ann1": _face(1, 0),
        "bob1": _face(0.9, 0.3),
        "ann2": _face(1, 0.1),  # nearly as close to Bob as to Ann
        "bob2": _face(0.8, 0.6),
    }
    loose = score_identification(labels, faces, threshold=0.5, margin=0.0)
    strict = score_identification(labels, faces, threshold=0.5, margin=0.05)
    assert loose.accepted_correct == 1.0
    assert strict.accepted_correct == 0.5


def test_an_unusable_probe_is_never_accepted() -> None:
    labels = [IdentityLabel("ann1", "Ann"), IdentityLabel("ann2", "Ann")]
    faces = {"ann1": _face(1, 0), "ann2": _face(1, 0, usable=False)}
    report = score_identification(labels, faces, threshold=0.5, margin=0.0)
    assert report.rank1 == 1.0 and report.accepted_correct == 0.0
