"""Exact search over one class roster: every template of 30 to 500 people in one matrix.

One (faces x templates) matrix product, the maximum over each person's templates, and the two
best people per face: a fraction of a millisecond at roster sizes, and it cannot return
somebody outside the class. That is also why the presence engine does not use it: it searches
the whole gallery (`Gallery.identify`) so a student in the wrong room is found as who they
are, not taken for the classmate they most resemble, and a face's search costs a few per cent
of its embedding either way. `rollcall bench recognizer` times it beside the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recognizer.decision import NO_SECOND_SCORE, Candidate
from recognizer.ids import PersonId
from recognizer.templates import Template, as_unit_rows, check_unique_ids


class Roster:
    """An immutable snapshot of a class's templates, searched exactly.

    Build a new roster when enrolment changes; searching needs no lock.
    """

    def __init__(self, templates: Sequence[Template], dim: int | None = None) -> None:
        check_unique_ids(templates)
        order: dict[PersonId, list[Template]] = {}
        for template in templates:
            order.setdefault(template.person_id, []).append(template)
        self._person_ids: tuple[PersonId, ...] = tuple(order)
        grouped = [template for group in order.values() for template in group]
        if dim is None:
            dim = int(np.asarray(grouped[0].embedding).shape[-1]) if grouped else 0
        self._dim = dim
        self._matrix = (
            as_unit_rows(np.stack([t.embedding for t in grouped]), dim)
            if grouped
            else np.zeros((0, dim), dtype=np.float32)
        )
        # Templates are laid out person by person, so the max over a person's templates
        # is one `np.maximum.reduceat` over contiguous column runs.
        sizes = np.fromiter((len(group) for group in order.values()), dtype=np.int64)
        self._starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)

    @property
    def person_ids(self) -> tuple[PersonId, ...]:
        return self._person_ids

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        """Number of templates."""
        return int(self._matrix.shape[0])

    def person_scores(self, embeddings: np.ndarray) -> np.ndarray:
        """(faces x people) best similarity of each face to each person's templates."""
        queries = as_unit_rows(embeddings, self._dim or None)
        if not self._person_ids:
            return np.zeros((queries.shape[0], 0), dtype=np.float32)
        similarities = queries @ self._matrix.T
        return np.maximum.reduceat(similarities, self._starts, axis=1)

    def search(self, embeddings: np.ndarray) -> list[Candidate]:
        """For each face: the best person, their score, and the best *other* person's score."""
        scores = self.person_scores(embeddings)
        faces, people = scores.shape
        if people == 0:
            return [Candidate(None, NO_SECOND_SCORE) for _ in range(faces)]
        rows = np.arange(faces)
        if people == 1:
            best = np.zeros(faces, dtype=np.int64)
            second_scores = np.full(faces, NO_SECOND_SCORE, dtype=np.float32)
        else:
            top_two = np.argpartition(-scores, 1, axis=1)[:, :2]
            first, other = top_two[:, 0], top_two[:, 1]
            swap = scores[rows, other] > scores[rows, first]
            best = np.where(swap, other, first)
            second_scores = scores[rows, np.where(swap, first, other)]
        best_scores = scores[rows, best]
        return [
            Candidate(self._person_ids[b], float(s), float(s2))
            for b, s, s2 in zip(
                best.tolist(), best_scores.tolist(), second_scores.tolist(), strict=True
            )
        ]
