"""Bulk enrolment: people, their templates and roster places, and the audit entries, written
in one transaction or not at all."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import numpy as np
import pytest

from store.database import Database
from store.errors import Conflict, ConsentMissing, InvalidReference, InvalidValue, NotFound
from store.imports import NewPerson
from tests.store.conftest import audit_trail, audited_since, settled_events

CONSENT = datetime(2026, 9, 1, tzinfo=UTC)


def _vector(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(16).astype(np.float32)


async def test_an_import_writes_people_templates_and_places_with_its_audit_entries(
    db: Database,
) -> None:
    course = await db.courses.create(code="BIO1", name="Biology")
    before = await audit_trail(db)

    ids = await db.imports.people(
        [
            NewPerson("S-1", "Ada", (_vector(1), _vector(2)), course.id, CONSENT),
            NewPerson("S-2", "Bo"),
        ],
        model_pack="p",
        actor="ada-admin",
    )

    assert [(await db.people.get(i)).external_id for i in ids] == ["S-1", "S-2"]
    assert len(await db.templates.load_matrix("p")) == 2
    assert [p.id for p in (await db.courses.roster(course.id)).items] == [ids[0]]
    assert await audited_since(db, before) == [
        ("ada-admin", "people.import", {"people": 2, "templates": 2}),
        ("ada-admin", "person.import", {"count": 2}),
    ]
    events = await settled_events(db, 2)
    assert {e.kind for e in events} == {"templates.imported", "roster.changed"}


@pytest.mark.parametrize(
    ("refused", "error"),
    [
        (NewPerson("S-3", "Cy", (_vector(3),), uuid4(), CONSENT), InvalidReference),  # no course
        (NewPerson("S-3", "Cy", (np.array([np.nan], np.float32),), None, CONSENT), InvalidValue),
        (NewPerson("S-3", "Cy", (_vector(3),)), ConsentMissing),
        (NewPerson("S-0", "Taken"), Conflict),
    ],
    ids=["unknown course", "broken embedding", "no consent to a face", "taken external id"],
)
async def test_an_import_refused_at_any_step_writes_nobody_and_no_audit_entry(
    db: Database, refused: NewPerson, error: type[Exception]
) -> None:
    await db.people.create(external_id="S-0", display_name="Already here")
    before = await audit_trail(db)

    with pytest.raises(error):
        await db.imports.people(
            [NewPerson("S-1", "Ada", (_vector(1),), None, CONSENT), refused],
            model_pack="p",
            actor="ada-admin",
        )

    for external_id in ("S-1", "S-3"):
        with pytest.raises(NotFound):
            await db.people.get_by_external_id(external_id)
    assert len(await db.templates.load_matrix("p")) == 0
    assert await audit_trail(db) == before
