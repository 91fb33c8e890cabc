"""Bulk enrolment: many people with their face templates and roster places, in one transaction.

Either everyone of an import is written (people, templates, roster places and the audit
entries) or, when any step is refused, nobody: there is nothing to undo afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

import numpy as np

from store.audit import append_audit
from store.courses import enrol_people
from store.errors import InvalidValue
from store.people import import_people
from store.portraits import put_portraits
from store.repository import Connection, Repository
from store.templates import copy_templates


@dataclass(frozen=True)
class NewPerson:
    """One person of an import: who, their faces' embeddings, and the course they join."""

    external_id: str
    display_name: str
    embeddings: tuple[np.ndarray, ...] = field(default=(), repr=False, compare=False)
    course_id: UUID | None = None
    # (index in `embeddings`, JPEG): the portrait from that embedding's photo
    portrait: tuple[int, bytes] | None = field(default=None, repr=False, compare=False)


class Imports(Repository):
    async def people(
        self, people: Sequence[NewPerson], *, model_pack: str, actor: str
    ) -> tuple[UUID, ...]:
        """Add the people, their templates (of `model_pack`) and roster places; returns their
        ids in input order. Conflict when an external id is taken, InvalidReference when a
        course does not exist: nothing is written then."""
        async with self._transaction() as connection:
            ids = await import_people(
                connection, [(p.external_id, p.display_name) for p in people], actor=actor
            )
            templates = [
                (person_id, embedding)
                for person_id, person in zip(ids, people, strict=True)
                for embedding in person.embeddings
            ]
            if templates:
                template_ids = await copy_templates(
                    connection, templates, model_pack=model_pack, source="import"
                )
                await _put_portraits(connection, ids, people, template_ids)
            by_course: dict[UUID, list[UUID]] = {}
            for person_id, person in zip(ids, people, strict=True):
                if person.course_id is not None:
                    by_course.setdefault(person.course_id, []).append(person_id)
            for course_id, members in by_course.items():
                await enrol_people(connection, course_id, members)
            await append_audit(
                connection,
                actor=actor,
                action="people.import",
                entity_type="person",
                entity_id=None,
                details={"people": len(ids), "templates": len(templates)},
            )
        return ids


async def _put_portraits(
    connection: Connection,
    ids: Sequence[UUID],
    people: Sequence[NewPerson],
    template_ids: Sequence[UUID],
) -> None:
    """Each imported person's portrait, tied to the template of the photo it came from
    (`template_ids` follow the people's embeddings in order)."""
    portraits: list[tuple[UUID, UUID, bytes]] = []
    first_template = 0
    for person_id, person in zip(ids, people, strict=True):
        if person.portrait is not None:
            index, image = person.portrait
            if not 0 <= index < len(person.embeddings):
                raise InvalidValue(f"portrait of face {index} of {person.external_id!r}")
            portraits.append((person_id, template_ids[first_template + index], image))
        first_template += len(person.embeddings)
    await put_portraits(connection, portraits)
