"""The gallery: a person's templates, per-class rosters and the campus-wide index together."""

from __future__ import annotations

from pathlib import Path

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


class Crowd:
    """Synthetic identities whose templates and probes agree like real faces (~0.6-0.7)."""

    def __init__(self, seed: int, people: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.centres = unit_rows(self.rng.normal(size=(people, DIM)))

    def samples(self, person: int, count: int) -> np.ndarray:
        noise = self.rng.normal(scale=0.03, size=(count, DIM))
        return unit_rows(self.centres[person] + noise)

    def templates(self, person: int, count: int = 3) -> list[Template]:
        pid = uid(f"student-{person}")
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
        gallery.add(uid(f"student-{person}"), crowd.templates(person))
    return gallery


def probe(crowd: Crowd, person: int) -> np.ndarray:
    return crowd.samples(person, 1)


def test_an_enrolled_student_is_identified_campus_wide_and_in_their_class(
    gallery: Gallery, crowd: Crowd
) -> None:
    (anywhere,) = gallery.identify(probe(crowd, 42))
    (in_class,) = gallery.identify_in(
        gallery.roster([uid("student-41"), uid("student-42")]), probe(crowd, 42)
    )
    for found in (anywhere, in_class):
        assert found.person_id == uid("student-42") and found.accepted
        assert 0.5 < found.score < 0.9


def test_strangers_are_not_accepted_as_anybody(gallery: Gallery, crowd: Crowd) -> None:
    strangers = np.concatenate([probe(crowd, p) for p in range(100, 120)])
    everyone = gallery.roster(gallery.person_ids())
    assert not any(m.accepted for m in gallery.identify(strangers))
    assert not any(m.accepted for m in gallery.identify_in(everyone, strangers))


def test_a_roster_only_knows_its_own_class(gallery: Gallery, crowd: Crowd) -> None:
    roster = gallery.roster([uid(f"student-{p}") for p in range(10)] + [uid("never-enrolled")])
    assert set(roster.person_ids) == {uid(f"student-{p}") for p in range(10)}
    (outsider,) = gallery.identify_in(roster, probe(crowd, 50))
    assert outsider.person_id != uid("student-50") and not outsider.accepted


def test_a_removed_student_is_matched_by_neither_level(gallery: Gallery, crowd: Crowd) -> None:
    roster_before = gallery.roster(gallery.person_ids())
    assert gallery.remove_person(uid("student-7")) == 3
    probes = crowd.samples(7, 5)
    assert all(m.person_id != uid("student-7") for m in gallery.identify(probes))
    roster_after = gallery.roster(gallery.person_ids())
    assert all(m.person_id != uid("student-7") for m in gallery.identify_in(roster_after, probes))
    assert uid("student-7") in roster_before.person_ids  # snapshots taken earlier are immutable
    assert gallery.templates_of(uid("student-7")) == []


def test_adding_templates_to_a_person_keeps_the_earlier_ones(
    gallery: Gallery, crowd: Crowd
) -> None:
    gallery.add_embeddings(uid("student-3"), crowd.samples(3, 2), [uid("extra-a"), uid("extra-b")])
    ids = {t.template_id for t in gallery.templates_of(uid("student-3"))}
    assert len(ids) == 5 and {uid("extra-a"), uid("extra-b")} <= ids
    assert gallery.index.template_ids(uid("student-3")) == ids


def test_replace_swaps_a_students_templates_everywhere(gallery: Gallery, crowd: Crowd) -> None:
    old_probe = probe(crowd, 5)
    new_face = Crowd(99, 1)
    gallery.replace(
        uid("student-5"), [Template(uid("new"), uid("student-5"), new_face.samples(0, 1)[0])]
    )
    assert [t.template_id for t in gallery.templates_of(uid("student-5"))] == [uid("new")]
    (now,) = gallery.identify(new_face.samples(0, 1))
    assert now.person_id == uid("student-5") and now.accepted
    (before,) = gallery.identify(old_probe)
    assert not (before.person_id == uid("student-5") and before.accepted)
    gallery.replace(uid("student-5"), [])
    assert uid("student-5") not in gallery.person_ids()


def test_removing_single_templates(gallery: Gallery) -> None:
    first = gallery.templates_of(uid("student-9"))[0].template_id
    assert gallery.remove_templates([first, uid("unknown")]) == 1
    assert first not in {t.template_id for t in gallery.templates_of(uid("student-9"))}
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


def test_a_saved_index_is_used_only_if_it_holds_the_galleries_templates(
    gallery: Gallery, crowd: Crowd, tmp_path: Path
) -> None:
    gallery.remove_person(uid("student-1"))
    gallery.save_index(tmp_path)
    everything = [t for p in gallery.person_ids() for t in gallery.templates_of(p)]
    restored = Gallery.from_templates(RecognizerConfig(), everything)
    restored.load_index(tmp_path)
    assert restored.index.params.ef == RecognizerConfig().hnsw_ef
    probes = np.concatenate([crowd.samples(1, 3), probe(crowd, 30)])
    found = [m.person_id for m in restored.identify(probes)]
    assert found == [m.person_id for m in gallery.identify(probes)]
    assert uid("student-1") not in found and found[-1] == uid("student-30")
    restored.remove_person(uid("student-2"))
    with pytest.raises(GalleryError, match=r"does not match|lacks"):
        restored.load_index(tmp_path)


def test_bad_enrolments_are_refused(gallery: Gallery, crowd: Crowd) -> None:
    with pytest.raises(GalleryError, match="belongs to"):
        gallery.add(uid("student-1"), crowd.templates(2))
    taken = gallery.templates_of(uid("student-1"))[0].template_id
    with pytest.raises(GalleryError, match="already enrolled"):
        gallery.add(uid("student-2"), [Template(taken, uid("student-2"), crowd.samples(2, 1)[0])])
    with pytest.raises(GalleryError, match="512 dimensions"):
        gallery.add_embeddings(uid("student-1"), np.ones((1, 128)), [uid("short")])
    with pytest.raises(GalleryError, match="NaN"):
        gallery.add_embeddings(uid("student-1"), np.full((1, DIM), np.nan), [uid("nan")])
    with pytest.raises(GalleryError, match="2 template ids"):
        gallery.add_embeddings(uid("student-1"), crowd.samples(1, 1), [uid("a"), uid("b")])
    assert len(gallery) == 300


def test_a_saved_index_of_another_embedding_width_is_refused(tmp_path: Path) -> None:
    narrow = Gallery(RecognizerConfig(), dim=128)
    narrow.add(uid("student-0"), [Template(uid("t"), uid("student-0"), np.ones(128, np.float32))])
    narrow.save_index(tmp_path)
    wide = Gallery(RecognizerConfig())
    wide.add(uid("student-0"), [Template(uid("t"), uid("student-0"), np.ones(DIM, np.float32))])
    with pytest.raises(GalleryError, match="128-dimensional"):
        wide.load_index(tmp_path)


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
