"""The global hnswlib template index: add, remove, replace, grow, save/load, rebuild."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.decision import NO_SECOND_SCORE
from recognizer.errors import GalleryError
from recognizer.hnsw_index import HnswParams, TemplateIndex
from recognizer.templates import Template
from tests.ids import uid

DIM = 64
PARAMS = HnswParams(m=32, ef_construction=100, ef=64)


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    rows = rng.normal(size=(n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def person(rng: np.random.Generator, name: str, count: int = 3) -> list[Template]:
    """Templates of one person: a random identity plus small variations, like real faces."""
    centre = unit(rng, 1)[0]
    rows = centre + 0.08 * rng.normal(size=(count, DIM)).astype(np.float32)
    return [Template(uid(f"{name}/t{k}"), uid(name), row) for k, row in enumerate(rows)]


def people(rng: np.random.Generator, count: int, prefix: str = "p") -> list[Template]:
    return [t for n in range(count) for t in person(rng, f"{prefix}{n}")]


def vectors(templates: list[Template]) -> np.ndarray:
    return np.stack([t.embedding for t in templates])


def found_people(index: TemplateIndex, queries: np.ndarray) -> list[object]:
    return [c.person_id for c in index.search(queries)]


def test_each_template_finds_its_own_person_with_a_second_person_for_the_margin() -> None:
    rng = np.random.default_rng(0)
    templates = people(rng, 200)
    index = TemplateIndex(DIM, PARAMS)
    index.add(templates)
    candidates = index.search(vectors(templates))
    assert [c.person_id for c in candidates] == [t.person_id for t in templates]
    assert all(c.score == pytest.approx(1.0, abs=1e-4) for c in candidates)
    assert all(-1.0 < c.second_score < 0.9 for c in candidates)
    assert len(index) == 600 and len(index.person_ids()) == 200


def test_search_matches_exact_search_on_most_queries() -> None:
    rng = np.random.default_rng(1)
    templates = people(rng, 1000)
    index = TemplateIndex.from_templates(templates, DIM, PARAMS)
    probes = vectors(templates[::10]) + 0.08 * rng.normal(size=(300, DIM)).astype(np.float32)
    queries = probes / np.linalg.norm(probes, axis=1, keepdims=True)
    exact = (queries @ vectors(templates).T).argmax(axis=1)
    nearest = index.nearest_templates(queries, k=1)
    recall = np.mean(
        [
            hits[0].template_id == templates[e].template_id
            for hits, e in zip(nearest, exact, strict=True)
        ]
    )
    assert recall >= 0.95


def test_a_removed_person_never_matches_again() -> None:
    rng = np.random.default_rng(2)
    templates = people(rng, 50)
    index = TemplateIndex.from_templates(templates, DIM, PARAMS)
    gone = [t for t in templates if t.person_id == uid("p7")]
    assert index.remove_person(uid("p7")) == 3
    assert uid("p7") not in found_people(index, vectors(gone))
    assert all(
        hit.person_id != uid("p7")
        for hits in index.nearest_templates(vectors(gone), 64)
        for hit in hits
    )
    assert uid("p7/t0") not in index and uid("p7") not in index.person_ids()


def test_removed_slots_are_reused_without_reviving_the_removed_person() -> None:
    rng = np.random.default_rng(3)
    index = TemplateIndex.from_templates(people(rng, 20), DIM, PARAMS)
    gone = index.template_ids(uid("p3"))
    gone_vectors = vectors(
        [t for t in people(np.random.default_rng(3), 20) if t.person_id == uid("p3")]
    )
    capacity = index.capacity
    index.remove_person(uid("p3"))
    newcomer = person(rng, "newcomer")
    index.add(newcomer)
    assert index.capacity == capacity
    assert uid("p3") not in found_people(index, gone_vectors)
    assert found_people(index, vectors(newcomer)) == [uid("newcomer")] * 3
    assert not gone & set().union(*(index.template_ids(p) for p in index.person_ids()))


def test_remove_single_templates_keeps_the_person_through_the_others() -> None:
    rng = np.random.default_rng(4)
    templates = people(rng, 10)
    index = TemplateIndex.from_templates(templates, DIM, PARAMS)
    assert index.remove_templates([uid("p1/t0"), uid("no-such-template")]) == 1
    assert index.template_ids(uid("p1")) == {uid("p1/t1"), uid("p1/t2")}
    (hit,) = index.nearest_templates(templates[3].embedding, k=1)[0]
    assert hit.template_id != uid("p1/t0")


def test_replace_swaps_all_of_a_persons_templates_at_once() -> None:
    rng = np.random.default_rng(5)
    templates = people(rng, 30)
    index = TemplateIndex.from_templates(templates, DIM, PARAMS)
    old = [t for t in templates if t.person_id == uid("p4")]
    new = [
        Template(uid(f"p4/new{k}"), uid("p4"), t.embedding)
        for k, t in enumerate(person(rng, "x", 2))
    ]
    index.replace_person(uid("p4"), new)
    assert index.template_ids(uid("p4")) == {uid("p4/new0"), uid("p4/new1")}
    assert found_people(index, vectors(new)) == [uid("p4"), uid("p4")]
    assert uid("p4") not in found_people(index, vectors(old))


def test_replace_refuses_templates_of_someone_else() -> None:
    rng = np.random.default_rng(6)
    index = TemplateIndex.from_templates(people(rng, 3), DIM, PARAMS)
    with pytest.raises(GalleryError, match="belong to person"):
        index.replace_person(uid("p0"), person(rng, "p1"))
    with pytest.raises(GalleryError, match="belongs to another person"):
        index.replace_person(uid("p0"), [Template(uid("p1/t0"), uid("p0"), unit(rng, 1)[0])])
    assert index.template_ids(uid("p1")) == {uid("p1/t0"), uid("p1/t1"), uid("p1/t2")}


def test_duplicate_template_ids_are_refused() -> None:
    rng = np.random.default_rng(7)
    index = TemplateIndex(DIM, PARAMS)
    index.add(person(rng, "a"))
    with pytest.raises(GalleryError, match="already enrolled"):
        index.add([Template(uid("a/t0"), uid("b"), unit(rng, 1)[0])])


def test_the_index_grows_when_full() -> None:
    rng = np.random.default_rng(8)
    index = TemplateIndex(DIM, PARAMS, capacity=10)
    start = index.capacity
    templates = people(rng, start // 3 + 200)
    for n in range(0, len(templates), 300):
        index.add(templates[n : n + 300])
    assert index.capacity >= len(templates) > start
    assert found_people(index, vectors(templates[-5:])) == [t.person_id for t in templates[-5:]]


def test_rebuild_from_a_list_gives_a_compact_index_with_the_same_answers() -> None:
    rng = np.random.default_rng(11)
    templates = people(rng, 100)
    churned = TemplateIndex.from_templates(templates, DIM, PARAMS)
    for n in range(0, 100, 2):
        churned.remove_person(uid(f"p{n}"))
    removed = {uid(f"p{n}") for n in range(0, 100, 2)}
    survivors = [t for t in templates if t.person_id not in removed]
    rebuilt = TemplateIndex.from_templates(survivors, DIM, PARAMS)
    assert rebuilt.capacity <= churned.capacity
    assert found_people(rebuilt, vectors(templates)) == found_people(churned, vectors(templates))


def test_a_lone_person_has_no_second_person_and_an_empty_index_finds_nobody() -> None:
    rng = np.random.default_rng(12)
    index = TemplateIndex(DIM, PARAMS)
    assert found_people(index, unit(rng, 2)) == [None, None]
    index.add(person(rng, "solo"))
    (candidate,) = index.search(unit(rng, 1))
    assert candidate.person_id == uid("solo") and candidate.second_score == NO_SECOND_SCORE


def test_a_person_with_many_templates_still_gets_a_real_second_person() -> None:
    rng = np.random.default_rng(13)
    crowd = person(rng, "crowd", count=40)
    others = people(rng, 20)
    index = TemplateIndex.from_templates(crowd + others, DIM, PARAMS)
    (hits,) = index.nearest_templates(crowd[0].embedding, k=8)
    assert {hit.person_id for hit in hits} == {uid("crowd")}  # k=8 alone sees nobody else
    (candidate,) = index.search(crowd[0].embedding, k=8)
    rows = vectors(others)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    exact_second = float((rows @ unit_row(crowd[0].embedding)).max())
    assert candidate.person_id == uid("crowd")
    assert candidate.second_score == pytest.approx(exact_second, abs=1e-4)


def unit_row(row: np.ndarray) -> np.ndarray:
    return row / np.linalg.norm(row)
