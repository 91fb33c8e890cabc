"""Identification in threads while enrolment adds, replaces, removes and rebuilds the gallery."""

from __future__ import annotations

import numpy as np

from recognizer.config import RecognizerConfig
from recognizer.gallery import Gallery
from recognizer.templates import Template
from tests.ids import uid
from tests.recognizer.concurrent_readers import RemovedPeople, read_while_writing

DIM = 64
ROUNDS = 40


def unit_rows(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def templates(rng: np.random.Generator, name: str, centre: np.ndarray) -> list[Template]:
    rows = unit_rows(centre + 0.05 * rng.normal(size=(3, DIM)))
    return [Template(uid(f"{name}/{rng.integers(1 << 62)}"), uid(name), row) for row in rows]


def test_identification_during_enrolment_changes_never_fails_or_finds_removed_people() -> None:
    rng = np.random.default_rng(0)
    stable_centres = unit_rows(rng.normal(size=(30, DIM)))
    gallery = Gallery(RecognizerConfig(), dim=DIM)
    for n, centre in enumerate(stable_centres):
        gallery.add(uid(f"stable{n}"), templates(rng, f"stable{n}", centre))
    removed = RemovedPeople()
    wrong: list[object] = []

    def write() -> None:
        local = np.random.default_rng(1)
        for r in range(ROUNDS):
            centres = unit_rows(local.normal(size=(6, DIM)))
            for n, centre in enumerate(centres):
                gallery.add(uid(f"churn{r}-{n}"), templates(local, f"churn{r}-{n}", centre))
            gallery.replace(uid(f"churn{r}-1"), templates(local, f"churn{r}-1", centres[1]))
            for n in (0, 2, 4):
                gallery.remove_person(uid(f"churn{r}-{n}"))
                removed.add(uid(f"churn{r}-{n}"))
            if r % 10 == 9:
                gallery.rebuild_index()

    def read(local: np.random.Generator) -> None:
        gone_before = removed.snapshot()
        people = local.integers(0, len(stable_centres), 4)
        probes = unit_rows(stable_centres[people] + 0.05 * local.normal(size=(4, DIM)))
        for match, n in zip(gallery.identify(probes), people, strict=True):
            if not (match.accepted and match.person_id == uid(f"stable{n}")):
                wrong.append((f"stable{n}", match))
        strangers = unit_rows(local.normal(size=(4, DIM)))
        wrong.extend(m.person_id for m in gallery.identify(strangers) if m.person_id in gone_before)

    read_while_writing(write, read, reader_seeds=(10, 11))
    assert wrong == []
    assert len(gallery.person_ids()) == len(stable_centres) + ROUNDS * 3
    assert len(gallery) == len(gallery.index)
