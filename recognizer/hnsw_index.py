"""The global approximate index over every enrolled template ("who is this, anywhere").

hnswlib stores unsigned integer labels; this class owns the mapping between those labels and
(template id, person id), so ids can be UUIDs. Labels are never reused: a removed
template's label is forgotten, its slot is marked deleted (so hnswlib skips it in every later
search) and a later add fills the slot under a fresh label (`replace_deleted`). A removed
person can therefore never come back from a search, even after its slot is reused.

hnswlib allows concurrent `knn_query` calls but not a write during a query, so every write
holds the write side of a readers-writer lock and every search the read side.

Parameters, measured with `rollcall bench recognizer` (see `recognizer/benchmark.py`): the
default M / ef_construction / ef and the recall behind them are recorded on the hnsw fields
of `RecognizerConfig`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import hnswlib
import numpy as np

from recognizer.decision import NO_SECOND_SCORE, Candidate
from recognizer.errors import GalleryError
from recognizer.ids import PersonId, TemplateId
from recognizer.rwlock import ReadWriteLock
from recognizer.templates import (
    Template,
    as_unit_rows,
    check_unique_ids,
)

logger = logging.getLogger(__name__)

_MIN_CAPACITY = 1024


@dataclass(frozen=True, slots=True)
class HnswParams:
    """Graph parameters: M and ef_construction are fixed at build time, ef per search."""

    m: int = 32
    ef_construction: int = 100
    ef: int = 64


@dataclass(frozen=True, slots=True)
class TemplateHit:
    """One nearest template of a query."""

    template_id: TemplateId
    person_id: PersonId
    score: float


@dataclass(frozen=True, slots=True)
class _Entry:
    template_id: TemplateId
    person_id: PersonId


class TemplateIndex:
    """Thread-safe hnswlib index of templates with person-level search."""

    def __init__(
        self, dim: int = 512, params: HnswParams | None = None, capacity: int = _MIN_CAPACITY
    ) -> None:
        self._dim = dim
        self._params = params or HnswParams()
        self._lock = ReadWriteLock()
        self._index = self._new_hnsw(max(capacity, _MIN_CAPACITY))
        self._entries: dict[int, _Entry] = {}
        self._label_of: dict[TemplateId, int] = {}
        self._labels_of_person: dict[PersonId, set[int]] = {}
        self._next_label = 0
        # Deleted slots that `replace_deleted` will fill before the index grows.
        self._free_slots = 0

    def _new_hnsw(self, capacity: int) -> hnswlib.Index:
        index = hnswlib.Index(space="ip", dim=self._dim)
        index.init_index(
            max_elements=capacity,
            M=self._params.m,
            ef_construction=self._params.ef_construction,
            random_seed=100,
            allow_replace_deleted=True,
        )
        index.set_ef(self._params.ef)
        return index

    @classmethod
    def from_templates(
        cls, templates: Sequence[Template], dim: int = 512, params: HnswParams | None = None
    ) -> TemplateIndex:
        """Build a fresh, compact index (the way to rebuild after heavy churn)."""
        index = cls(dim, params, capacity=len(templates))
        index.add(templates)
        return index

    # -- reading -------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def params(self) -> HnswParams:
        return self._params

    @property
    def capacity(self) -> int:
        with self._lock.read():
            return int(self._index.get_max_elements())

    def __len__(self) -> int:
        """Number of live (not removed) templates."""
        with self._lock.read():
            return len(self._entries)

    def __contains__(self, template_id: object) -> bool:
        with self._lock.read():
            return template_id in self._label_of

    def person_ids(self) -> set[PersonId]:
        with self._lock.read():
            return set(self._labels_of_person)

    def template_ids(self, person_id: PersonId) -> set[TemplateId]:
        with self._lock.read():
            labels = self._labels_of_person.get(person_id, set())
            return {self._entries[label].template_id for label in labels}

    def nearest_templates(self, embeddings: np.ndarray, k: int) -> list[list[TemplateHit]]:
        """The k nearest live templates of each query, best first (fewer if fewer exist)."""
        queries = as_unit_rows(embeddings, self._dim)
        with self._lock.read():
            return self._nearest_locked(queries, k)

    def search(self, embeddings: np.ndarray, k: int = 16) -> list[Candidate]:
        """For each query: best person, score, and the best *other* person's score.

        Persons are collapsed from the k nearest templates. When all k belong to one person
        (someone enrolled with k or more templates), that query is asked again with room for
        all of that person's templates, so the second person is really found; if nobody else
        turns up even then, the last template's score stands in for the second person: nobody
        else can score higher, so the margin is never overstated.
        """
        queries = as_unit_rows(embeddings, self._dim)
        with self._lock.read():
            single_person = len(self._labels_of_person) <= 1
            rows = self._nearest_locked(queries, k)
            for n, hits in enumerate(rows):
                if single_person or len(hits) < k or hits[0].person_id != hits[-1].person_id:
                    continue
                if all(hit.person_id == hits[0].person_id for hit in hits):
                    wider = len(self._labels_of_person[hits[0].person_id]) + k
                    rows[n] = self._nearest_locked(queries[n : n + 1], wider)[0]
            return [_collapse(hits, single_person) for hits in rows]

    def _nearest_locked(self, queries: np.ndarray, k: int) -> list[list[TemplateHit]]:
        labels, distances = self._knn(queries, k)
        return [
            [
                TemplateHit(entry.template_id, entry.person_id, 1.0 - float(distance))
                for label, distance in zip(row_labels, row_distances, strict=True)
                if (entry := self._entries.get(int(label))) is not None
            ]
            for row_labels, row_distances in zip(labels, distances, strict=True)
        ]

    def _knn(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        # hnswlib searches with max(ef, k) but refuses a k it cannot fill, so k is clamped to
        # the live templates, and lowered further if the graph around deleted slots falls short.
        k = min(k, len(self._entries))
        while k > 0:
            try:
                return self._index.knn_query(queries, k=k)
            except RuntimeError:
                k //= 2
        empty = np.zeros((queries.shape[0], 0))
        return empty.astype(np.uint64), empty.astype(np.float32)

    # -- writing -------------------------------------------------------------------------

    def add(self, templates: Sequence[Template]) -> None:
        """Add templates; ids must be new. Grows the index when it is full."""
        if not templates:
            return
        check_unique_ids(templates)
        vectors = as_unit_rows(np.stack([t.embedding for t in templates]), self._dim)
        with self._lock.write():
            self._add_locked(templates, vectors)

    def remove_templates(self, template_ids: Iterable[TemplateId]) -> int:
        """Remove templates by id; unknown ids are ignored. Returns how many were removed."""
        with self._lock.write():
            labels = [self._label_of[t] for t in template_ids if t in self._label_of]
            self._remove_locked(labels)
            return len(labels)

    def remove_person(self, person_id: PersonId) -> int:
        """Remove every template of a person. Returns how many were removed."""
        with self._lock.write():
            labels = list(self._labels_of_person.get(person_id, ()))
            self._remove_locked(labels)
            return len(labels)

    def replace_person(self, person_id: PersonId, templates: Sequence[Template]) -> None:
        """Swap a person's templates for new ones; searches see either all old or all new."""
        if any(t.person_id != person_id for t in templates):
            raise GalleryError(f"replacement templates must all belong to person {person_id}")
        check_unique_ids(templates)
        vectors = (
            as_unit_rows(np.stack([t.embedding for t in templates]), self._dim)
            if templates
            else None
        )
        with self._lock.write():
            old = self._labels_of_person.get(person_id, set())
            kept_ids = {self._entries[label].template_id for label in old}
            for template in templates:
                if template.template_id in self._label_of and template.template_id not in kept_ids:
                    raise GalleryError(
                        f"template id {template.template_id} belongs to another person"
                    )
            self._remove_locked(list(old))
            if vectors is not None:
                self._add_locked(templates, vectors)

    def _add_locked(self, templates: Sequence[Template], vectors: np.ndarray) -> None:
        for template in templates:
            if template.template_id in self._label_of:
                raise GalleryError(f"template id {template.template_id} is already enrolled")
        count = len(templates)
        needed = int(self._index.get_current_count()) + max(0, count - self._free_slots)
        capacity = int(self._index.get_max_elements())
        if needed > capacity:
            new_capacity = max(needed, 2 * capacity)
            logger.info(
                "growing the template index",
                extra={"from_capacity": capacity, "to_capacity": new_capacity},
            )
            self._index.resize_index(new_capacity)
        labels = np.arange(self._next_label, self._next_label + count, dtype=np.uint64)
        self._index.add_items(vectors, labels, replace_deleted=True)
        self._next_label += count
        self._free_slots = max(0, self._free_slots - count)
        for label, template in zip(labels.tolist(), templates, strict=True):
            self._remember(label, _Entry(template.template_id, template.person_id))

    def _remember(self, label: int, entry: _Entry) -> None:
        self._entries[label] = entry
        self._label_of[entry.template_id] = label
        self._labels_of_person.setdefault(entry.person_id, set()).add(label)

    def _remove_locked(self, labels: Sequence[int]) -> None:
        for label in labels:
            self._index.mark_deleted(label)
            entry = self._entries.pop(label)
            del self._label_of[entry.template_id]
            person_labels = self._labels_of_person[entry.person_id]
            person_labels.discard(label)
            if not person_labels:
                del self._labels_of_person[entry.person_id]
        self._free_slots += len(labels)


def _collapse(hits: Sequence[TemplateHit], single_person: bool) -> Candidate:
    if not hits:
        return Candidate(None, NO_SECOND_SCORE)
    best = hits[0]
    for hit in hits[1:]:
        if hit.person_id != best.person_id:
            return Candidate(best.person_id, best.score, hit.score)
    if single_person:
        return Candidate(best.person_id, best.score)
    return Candidate(best.person_id, best.score, hits[-1].score)
