"""Person prototypes: each enrolled person as the normalised mean of their templates.

A track's pooled evidence is a set of sightings; the person it is compared with can be a set
too (IJB-C's template-to-template protocol). Matching the pooled evidence with the mean of a
person's enrolment photos, rather than with the best single photo, removes the lucky match
of a stranger with one photo of someone: measured on ../shared/faces (44 people enrolled from
two photos each, every other identity as a stranger, 28-34 px sightings pooled five at a
time), 0.06 % of strangers' tracks reached 0.28 against prototypes, 0.24 % against the best
template, while 92.6 % of enrolled people's tracks were named correctly against 89.8 %.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from recognizer.decision import NO_SECOND_SCORE, Candidate
from recognizer.ids import PersonId
from recognizer.templates import Template


class PersonPrototypes:
    """Exact search over one vector per person; immutable, so safe to share across threads."""

    def __init__(self, templates: Mapping[PersonId, Sequence[Template]], dim: int) -> None:
        self._people: list[PersonId] = [p for p, group in templates.items() if group]
        rows = [np.mean([t.embedding for t in templates[p]], axis=0) for p in self._people]
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), dim)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self._matrix = matrix / np.maximum(norms, 1e-12)

    def __len__(self) -> int:
        return len(self._people)

    def search(self, embeddings: np.ndarray) -> list[Candidate]:
        """The nearest person's prototype and the best other one, per unit row."""
        queries = np.asarray(embeddings, dtype=np.float32).reshape(-1, self._matrix.shape[1])
        if not self._people:
            return [Candidate(None, NO_SECOND_SCORE) for _ in range(len(queries))]
        scores = queries @ self._matrix.T
        found = []
        for row in scores:
            order = np.argsort(-row)[:2]
            second = float(row[order[1]]) if len(order) > 1 else NO_SECOND_SCORE
            found.append(Candidate(self._people[int(order[0])], float(row[order[0]]), second))
        return found
