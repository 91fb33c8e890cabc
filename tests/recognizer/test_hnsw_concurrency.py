"""Searches running in threads while enrolment writes to the same index."""

from __future__ import annotations

import threading

import numpy as np

from recognizer.hnsw_index import HnswParams, TemplateIndex
from recognizer.templates import Template

DIM = 64
ROUNDS = 100
JOIN_S = 120.0


def person(rng: np.random.Generator, person_id: str) -> list[Template]:
    centre = rng.normal(size=DIM).astype(np.float32)
    rows = centre / np.linalg.norm(centre) + 0.05 * rng.normal(size=(3, DIM)).astype(np.float32)
    return [Template(f"{person_id}/{k}", person_id, row) for k, row in enumerate(rows)]


def test_searches_during_adds_removes_and_resizes_never_fail_or_see_removed_people() -> None:
    rng = np.random.default_rng(0)
    stable = [t for n in range(50) for t in person(rng, f"stable{n}")]
    stable_queries = np.stack([t.embedding for t in stable[::3]])
    index = TemplateIndex(DIM, HnswParams(m=32, ef_construction=64, ef=32), capacity=16)
    index.add(stable)
    removed: set[str] = set()
    removed_lock = threading.Lock()
    errors: list[BaseException] = []
    wrong: list[object] = []
    done = threading.Event()

    def writer() -> None:
        try:
            for r in range(ROUNDS):
                churn = [t for n in range(20) for t in person(rng, f"churn{r}-{n}")]
                index.add(churn)  # grows the index several times along the way
                if r % 2:
                    index.replace_person(f"churn{r}-0", person(rng, f"churn{r}-0"))
                for n in range(0, 20, 2):
                    index.remove_person(f"churn{r}-{n}")
                    with removed_lock:
                        removed.add(f"churn{r}-{n}")
        except BaseException as error:
            errors.append(error)
        finally:
            done.set()

    def reader(seed: int) -> None:
        local = np.random.default_rng(seed)
        try:
            while not done.is_set():
                with removed_lock:
                    gone_before = set(removed)
                queries = stable_queries[local.integers(0, len(stable_queries), 8)]
                for candidate in index.search(queries):
                    if not str(candidate.person_id).startswith("stable"):
                        wrong.append(candidate.person_id)
                for hits in index.nearest_templates(local.normal(size=(4, DIM)), k=10):
                    wrong.extend(h.person_id for h in hits if h.person_id in gone_before)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer)]
    threads += [threading.Thread(target=reader, args=(seed,)) for seed in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_S)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert wrong == []
    assert len(index) == len(stable) + ROUNDS * 10 * 3
    assert index.capacity >= len(index)
