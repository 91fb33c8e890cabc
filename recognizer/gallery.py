"""The gallery: every enrolled person's templates, searched campus-wide.

`identify` searches the global `TemplateIndex` over every template and applies the open-set
decision rule (`recognizer.decision`) with the thresholds of `RecognizerConfig`; the presence
engine asks it and only then compares the answer with the class roster, so a student in the
wrong room is found as who they are (an "other course" sighting), not taken for the classmate
they most resemble. `candidates` and `prototype_candidates` are the undecided searches.

The gallery keeps its own copy of each template so prototypes and rebuilds never have to read
vectors back out of hnswlib.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from recognizer.config import RecognizerConfig
from recognizer.decision import Candidate, Match, match
from recognizer.errors import GalleryError
from recognizer.hnsw_index import HnswParams, TemplateIndex
from recognizer.ids import PersonId, TemplateId
from recognizer.prototypes import PersonPrototypes
from recognizer.rwlock import ReadWriteLock
from recognizer.templates import Template, as_unit_rows


def hnsw_params(config: RecognizerConfig) -> HnswParams:
    return HnswParams(
        m=config.hnsw_m, ef_construction=config.hnsw_ef_construction, ef=config.hnsw_ef
    )


class Gallery:
    """Enrolled people and their templates; thread-safe.

    Every method computes or writes synchronously (an index build of 100k templates takes
    minutes): async callers run them in an executor thread.
    """

    def __init__(self, config: RecognizerConfig, dim: int = 512) -> None:
        self._config = config
        self._dim = dim
        self._lock = ReadWriteLock()
        self._templates: dict[PersonId, dict[TemplateId, Template]] = {}
        self._index = TemplateIndex(dim, hnsw_params(config))
        self._prototypes: PersonPrototypes | None = None  # built on first use after a change

    @classmethod
    def from_templates(
        cls, config: RecognizerConfig, templates: Sequence[Template], dim: int = 512
    ) -> Gallery:
        """Build a gallery (and a compact index) from a list, e.g. every template in the store."""
        gallery = cls(config, dim)
        gallery._templates = _group(templates, dim)
        gallery._index = TemplateIndex.from_templates(
            [t for group in gallery._templates.values() for t in group.values()],
            dim,
            hnsw_params(config),
        )
        return gallery

    # -- reading -------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def index(self) -> TemplateIndex:
        return self._index

    def person_ids(self) -> list[PersonId]:
        with self._lock.read():
            return list(self._templates)

    def templates_of(self, person_id: PersonId) -> list[Template]:
        with self._lock.read():
            return list(self._templates.get(person_id, {}).values())

    def __len__(self) -> int:
        """Number of templates."""
        with self._lock.read():
            return sum(len(group) for group in self._templates.values())

    def identify(self, embeddings: np.ndarray) -> list[Match]:
        """Who each face is among everyone enrolled, by the global index and the default rule."""
        return self._decide(self._index.search(embeddings))

    def candidates(self, embeddings: np.ndarray) -> list[Candidate]:
        """The nearest enrolled person (and the best other) for each row by their best
        template, undecided: for a caller that applies a rule of its own."""
        return self._index.search(embeddings)

    def prototype_candidates(self, embeddings: np.ndarray) -> list[Candidate]:
        """The nearest person by the mean of their templates (see `PersonPrototypes`), for
        pooled evidence of many sightings; undecided."""
        with self._lock.read():
            prototypes = self._prototypes
            if prototypes is None:
                prototypes = PersonPrototypes(
                    {p: list(group.values()) for p, group in self._templates.items()}, self._dim
                )
                self._prototypes = prototypes  # a reader's rebuild: same value for all
        return prototypes.search(embeddings)

    def _decide(self, candidates: Sequence[Candidate]) -> list[Match]:
        return [
            match(c, self._config.match_threshold, self._config.match_margin) for c in candidates
        ]

    # -- writing -------------------------------------------------------------------------

    def add(self, person_id: PersonId, templates: Sequence[Template]) -> None:
        """Add templates to a person (enrolling them if new)."""
        checked = _checked(person_id, templates, self._dim)
        with self._lock.write():
            self._prototypes = None
            self._index.add(checked)
            group = self._templates.setdefault(person_id, {})
            group.update((t.template_id, t) for t in checked)

    def replace(self, person_id: PersonId, templates: Sequence[Template]) -> None:
        """Swap all of a person's templates for `templates` (an empty list removes them)."""
        checked = _checked(person_id, templates, self._dim)
        with self._lock.write():
            self._prototypes = None
            self._index.replace_person(person_id, checked)
            if checked:
                self._templates[person_id] = {t.template_id: t for t in checked}
            else:
                self._templates.pop(person_id, None)

    def remove_person(self, person_id: PersonId) -> int:
        """Forget a person; they never match again. Returns how many templates went."""
        with self._lock.write():
            self._prototypes = None
            self._templates.pop(person_id, None)
            return self._index.remove_person(person_id)

    def remove_templates(self, template_ids: Iterable[TemplateId]) -> int:
        """Forget single templates (a bad enrolment photo). Returns how many went."""
        wanted = set(template_ids)
        with self._lock.write():
            self._prototypes = None
            for person_id in list(self._templates):
                group = self._templates[person_id]
                for template_id in wanted.intersection(group):
                    del group[template_id]
                if not group:
                    del self._templates[person_id]
            return self._index.remove_templates(wanted)

    def rebuild_index(self) -> None:
        """Replace the index with a compact one built from the gallery's own templates."""
        with self._lock.write():
            self._prototypes = None
            templates = [t for group in self._templates.values() for t in group.values()]
            self._index = TemplateIndex.from_templates(templates, self._dim, self._index.params)


def _checked(person_id: PersonId, templates: Sequence[Template], dim: int) -> list[Template]:
    checked = []
    for template in templates:
        if template.person_id != person_id:
            raise GalleryError(
                f"template {template.template_id} belongs to {template.person_id}, not {person_id}"
            )
        row = as_unit_rows(template.embedding, dim)[0]
        checked.append(Template(template.template_id, person_id, row))
    return checked


def _group(templates: Sequence[Template], dim: int) -> dict[PersonId, dict[TemplateId, Template]]:
    grouped: dict[PersonId, dict[TemplateId, Template]] = {}
    seen: set[TemplateId] = set()
    for template in templates:
        if template.template_id in seen:
            raise GalleryError(f"template id {template.template_id} appears twice")
        seen.add(template.template_id)
        row = as_unit_rows(template.embedding, dim)[0]
        grouped.setdefault(template.person_id, {})[template.template_id] = Template(
            template.template_id, template.person_id, row
        )
    return grouped
