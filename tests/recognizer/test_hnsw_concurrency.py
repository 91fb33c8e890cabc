"""Searches running in threads while enrolment writes to the same index."""

from __future__ import annotations

import numpy as np

from recognizer.hnsw_index import HnswParams, TemplateIndex
from recognizer.templates import Template
from tests.ids import uid
from tests.recognizer.concurrent_readers import RemovedPeople, read_while_writing

DIM = 64
ROUNDS = 100


def person(rng: np.random.Generator, name: str) -> list[Template]:
    centre = rng.normal(size=DIM).astype(np.float32)
    rows = centre / np.linalg.norm(centre) + 0.05 * rng.normal(size=(3, DIM)).astype(np.float32)
    return [Template(uid(f"{name}/{k}"), uid(name), row) for k, row in enumerate(rows)]


def test_searches_during_adds_removes_and_resizes_never_fail_or_see_removed_people() -> None:
    rng = np.random.default_rng(0)
    stable = [t for n in range(50) for t in person(rng, f"stable{n}")]
    stable_ids = {t.person_id for t in stable}
    stable_queries = np.stack([t.embedding for t in stable[::3]])
    index = TemplateIndex(DIM, HnswParams(m=32, ef_construction=64, ef=32), capacity=16)
    index.add(stable)
    removed = RemovedPeople()
    wrong: list[object] = []

    def write() -> None:
        for r in range(ROUNDS):
            churn = [t for n in range(20) for t in person(rng, f"churn{r}-{n}")]
            index.add(churn)  # grows the index several times along the way
            if r % 2:
                index.replace_person(uid(f"churn{r}-0"), person(rng, f"churn{r}-0"))
            for n in range(0, 20, 2):
                index.remove_person(uid(f"churn{r}-{n}"))
                removed.add(uid(f"churn{r}-{n}"))

    def read(local: np.random.Generator) -> None:
        gone_before = removed.snapshot()
        queries = stable_queries[local.integers(0, len(stable_queries), 8)]
        for candidate in index.search(queries):
            if candidate.person_id not in stable_ids:
                wrong.append(candidate.person_id)
        for hits in index.nearest_templates(local.normal(size=(4, DIM)), k=10):
            wrong.extend(h.person_id for h in hits if h.person_id in gone_before)

    read_while_writing(write, read, reader_seeds=(0, 1, 2))
    assert wrong == []
    assert len(index) == len(stable) + ROUNDS * 10 * 3
    assert index.capacity >= len(index)
