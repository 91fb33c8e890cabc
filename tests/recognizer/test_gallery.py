"""The gallery: a person's templates and the campus-wide index over them, kept together."""

from __future__ import annotations

from uuid import UUID

import numpy as np
import pytest

from recognizer.config import RecognizerConfig
from recognizer.errors import GalleryError
from recognizer.gallery import Gallery
from recognizer.templates import Template
from tests.ids import uid

DIM = 512


def unit_rows(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def student(number: int) -> UUID:
    return uid(f"student-{number}")


class Crowd:
    """Synthetic identities whose templates and probes agree like real faces (~0.6-0.7)."""

    def __init__(self, seed: int, people: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.centres = unit_rows(self.rng.normal(size=(people, DIM)))

    def samples(self, person: int, count: int) -> np.ndarray:
        noise = self.rng.normal(scale=0.03, size=(count, DIM))
        return unit_rows(self.centres[person] + noise)

    def templates(self, person: int, count: int = 3) -> list[Template]:
        pid = student(person)
        return [
            Template(uid(f"{pid}/{self.rng.integers(1 << 62)}"), pid, row)
            for row in self.samples(person, count)
        ]


@pytest.fixture
def crowd() -> Crowd:
    return Crowd(0, 120)


@pytest.fixture
def gallery(crowd: Crowd) -> Gallery:
    gallery = Gallery(RecognizerConfig())
    for person in range(100):  # 100..119 stay strangers
        gallery.add(student(person), crowd.templates(person))
    return gallery


def probe(crowd: Crowd, person: int) -> np.ndarray:
    return crowd.samples(person, 1)


def test_an_enrolled_student_is_identified_campus_wide(gallery: Gallery, crowd: Crowd) -> None:
    (found,) = gallery.identify(probe(crowd, 42))
    assert found.person_id == student(42) and found.accepted
    assert 0.5 < found.score < 0.9


def test_strangers_are_not_accepted_as_anybody(gallery: Gallery, crowd: Crowd) -> None:
    strangers = np.concatenate([probe(crowd, p) for p in range(100, 120)])
    assert not any(m.accepted for m in gallery.identify(strangers))


def test_a_removed_student_is_matched_no_more(gallery: Gallery, crowd: Crowd) -> None:
    assert gallery.remove_person(student(7)) == 3
    probes = crowd.samples(7, 5)
    assert all(m.person_id != student(7) for m in gallery.identify(probes))
    assert gallery.templates_of(student(7)) == []


def test_adding_templates_to_a_person_keeps_the_earlier_ones(
    gallery: Gallery, crowd: Crowd
) -> None:
    extra = [
        Template(uid(f"extra-{n}"), student(3), row) for n, row in enumerate(crowd.samples(3, 2))
    ]
    gallery.add(student(3), extra)
    ids = {t.template_id for t in gallery.templates_of(student(3))}
    assert len(ids) == 5 and {uid("extra-0"), uid("extra-1")} <= ids
    assert gallery.index.template_ids(student(3)) == ids


def test_replace_swaps_a_students_templates_everywhere(gallery: Gallery, crowd: Crowd) -> None:
    old_probe = probe(crowd, 5)
    new_face = Crowd(99, 1)
    gallery.replace(student(5), [Template(uid("new"), student(5), new_face.samples(0, 1)[0])])
    assert [t.template_id for t in gallery.templates_of(student(5))] == [uid("new")]
    (now,) = gallery.identify(new_face.samples(0, 1))
    assert now.person_id == student(5) and now.accepted
    (before,) = gallery.identify(old_probe)
    assert not (before.person_id == student(5) and before.accepted)
    gallery.replace(student(5), [])
    assert student(5) not in gallery.person_ids()


def test_removing_single_templates(gallery: Gallery) -> None:
    first = gallery.templates_of(student(9))[0].template_id
    assert gallery.remove_templates([first, uid("unknown")]) == 1
    assert first not in {t.template_id for t in gallery.templates_of(student(9))}
    assert first not in gallery.index


def test_rebuild_and_build_from_a_list_give_the_same_answers(
    gallery: Gallery, crowd: Crowd
) -> None:
    probes = np.concatenate([probe(crowd, p) for p in range(0, 100, 7)])
    before = [m.person_id for m in gallery.identify(probes)]
    gallery.rebuild_index()
    assert [m.person_id for m in gallery.identify(probes)] == before
    everything = [t for p in gallery.person_ids() for t in gallery.templates_of(p)]
    copy = Gallery.from_templates(RecognizerConfig(), everything)
    assert [m.person_id for m in copy.identify(probes)] == before
    assert len(copy) == len(gallery) == 300


def test_bad_enrolments_are_refused(gallery: Gallery, crowd: Crowd) -> None:
    with pytest.raises(GalleryError, match="belongs to"):
        gallery.add(student(1), crowd.templates(2))
    taken = gallery.templates_of(student(1))[0].template_id
    with pytest.raises(GalleryError, match="already enrolled"):
        gallery.add(student(2), [Template(taken, student(2), crowd.samples(2, 1)[0])])
    with pytest.raises(GalleryError, match="512 dimensions"):
        gallery.add(student(1), [Template(uid("short"), student(1), np.ones(128, np.float32))])
    with pytest.raises(GalleryError, match="NaN"):
        gallery.add(student(1), [Template(uid("nan"), student(1), np.full(DIM, np.nan))])
    assert len(gallery) == 300


def test_a_persons_prototype_is_the_mean_of_their_templates_and_follows_every_change() -> None:
    config = RecognizerConfig()
    ann_a, ann_b, bob = (unit_vector(4, i) for i in (0, 1, 2))
    gallery = Gallery.from_templates(
        config,
        [
            Template(uid("a1"), uid("ann"), ann_a),
            Template(uid("a2"), uid("ann"), ann_b),
            Template(uid("b1"), uid("bob"), bob),
        ],
        dim=4,
    )
    halfway = (ann_a + ann_b) / np.linalg.norm(ann_a + ann_b)
    (found,) = gallery.prototype_candidates(halfway[None])
    # Against either photo alone the probe scores 0.71; against Ann's two photos as one, 1.
    assert found.person_id == uid("ann") and found.score == pytest.approx(1.0, abs=1e-6)
    assert found.second_score == pytest.approx(0.0, abs=1e-6)
    gallery.remove_person(uid("ann"))
    (found,) = gallery.prototype_candidates(halfway[None])
    assert found.person_id == uid("bob")
    gallery.remove_person(uid("bob"))
    assert gallery.prototype_candidates(halfway[None])[0].person_id is None


def unit_vector(dim: int, axis: int) -> np.ndarray:
    vector = np.zeros(dim, np.float32)
    vector[axis] = 1.0
    return vector
