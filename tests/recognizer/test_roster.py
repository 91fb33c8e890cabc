"""Exact roster search: the best person, and the best *other* person, for each face."""

from __future__ import annotations

from uuid import UUID

import numpy as np
import pytest

from recognizer.decision import NO_SECOND_SCORE
from recognizer.errors import GalleryError
from recognizer.roster import Roster
from recognizer.templates import Template
from tests.ids import uid


def unit(rng: np.random.Generator, n: int, dim: int = 64) -> np.ndarray:
    rows = rng.normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def roster_templates(rng: np.random.Generator, people: int, dim: int = 64) -> list[Template]:
    templates = []
    for person in range(people):
        for k, row in enumerate(unit(rng, int(rng.integers(1, 6)), dim)):
            templates.append(Template(uid(f"t-{person}-{k}"), uid(f"person-{person}"), row))
    rng.shuffle(templates)  # enrolment order need not group a person's templates
    return templates


def brute_force(templates: list[Template], query: np.ndarray) -> tuple[UUID, float, float]:
    best: dict[UUID, float] = {}
    for t in templates:
        score = float(np.dot(t.embedding, query))
        best[t.person_id] = max(best.get(t.person_id, -2.0), score)
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    second = ranked[1][1] if len(ranked) > 1 else NO_SECOND_SCORE
    return ranked[0][0], ranked[0][1], second


@pytest.mark.parametrize("people", [1, 2, 30, 500])
def test_search_equals_brute_force_max_over_templates(people: int) -> None:
    rng = np.random.default_rng(people)
    templates = roster_templates(rng, people)
    roster = Roster(templates)
    queries = np.concatenate([unit(rng, 20), np.stack([t.embedding for t in templates[:20]])])
    for query, candidate in zip(queries, roster.search(queries), strict=True):
        person, score, second = brute_force(templates, query)
        assert candidate.person_id == person
        assert candidate.score == pytest.approx(score, abs=1e-5)
        assert candidate.second_score == pytest.approx(second, abs=1e-5)


def test_second_best_is_a_different_person_not_the_same_persons_next_template() -> None:
    rng = np.random.default_rng(1)
    alice = unit(rng, 1)[0]
    near_alice = alice + 0.05 * unit(rng, 1)[0]
    templates = [
        Template(uid("a1"), uid("alice"), alice),
        Template(uid("a2"), uid("alice"), near_alice / np.linalg.norm(near_alice)),
        Template(uid("b1"), uid("bob"), unit(rng, 1)[0]),
    ]
    (candidate,) = Roster(templates).search(alice)
    assert candidate.person_id == uid("alice")
    assert candidate.second_score == pytest.approx(float(np.dot(templates[2].embedding, alice)))


def test_a_single_person_roster_has_no_second_person() -> None:
    rng = np.random.default_rng(2)
    (candidate,) = Roster([Template(uid("t"), uid("alice"), unit(rng, 1)[0])]).search(unit(rng, 1))
    assert candidate.person_id == uid("alice")
    assert candidate.second_score == NO_SECOND_SCORE


def test_an_empty_roster_finds_nobody() -> None:
    candidates = Roster([], dim=64).search(unit(np.random.default_rng(3), 2))
    assert [c.person_id for c in candidates] == [None, None]


def test_search_never_returns_someone_outside_the_roster() -> None:
    rng = np.random.default_rng(4)
    everyone = roster_templates(rng, 40)
    class_ids = {uid(f"person-{person}") for person in range(10)}
    in_class = [t for t in everyone if t.person_id in class_ids]
    outsiders = np.stack([t.embedding for t in everyone if t not in in_class])
    found = {c.person_id for c in Roster(in_class).search(outsiders)}
    assert found <= {t.person_id for t in in_class}


def test_unnormalised_queries_and_templates_are_compared_by_cosine() -> None:
    rng = np.random.default_rng(5)
    rows = unit(rng, 2)
    roster = Roster(
        [Template(uid("a1"), uid("a"), 3 * rows[0]), Template(uid("b1"), uid("b"), rows[1])]
    )
    (candidate,) = roster.search(10 * rows[0])
    assert candidate.person_id == uid("a")
    assert candidate.score == pytest.approx(1.0, abs=1e-5)


def test_wrong_dimension_and_duplicate_ids_are_refused() -> None:
    rng = np.random.default_rng(6)
    roster = Roster([Template(uid("t"), uid("a"), unit(rng, 1)[0])])
    with pytest.raises(GalleryError, match="64 dimensions"):
        roster.search(np.ones((1, 32), dtype=np.float32))
    with pytest.raises(GalleryError, match="appears twice"):
        Roster(
            [
                Template(uid("t"), uid("a"), unit(rng, 1)[0]),
                Template(uid("t"), uid("b"), unit(rng, 1)[0]),
            ]
        )
