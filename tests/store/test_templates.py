"""Face templates: float32 embeddings kept exactly, galleries loaded per model pack."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import numpy as np
import pytest

from store.database import Database
from store.errors import InvalidReference, InvalidValue, NotFound
from tests.store.conftest import audit_trail, audited_since, settled_events

CONSENT = datetime(2026, 9, 1, tzinfo=UTC)  # everyone here consented to face recognition


def _vector(seed: int, dim: int = 512) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


async def test_an_embedding_reads_back_bit_for_bit(db: Database) -> None:
    person = await db.people.create(consent_at=CONSENT, external_id="S-1", display_name="A")
    vector = _vector(1)

    added = await db.templates.add(person.id, vector, model_pack="buffalo_s", quality=0.9)
    read = await db.templates.get(added.id)

    assert read.dim == 512 and read.model_pack == "buffalo_s"
    assert read.embedding.dtype == np.float32
    np.testing.assert_array_equal(read.embedding, vector)


async def test_a_gallery_holds_only_templates_of_its_model_pack(db: Database) -> None:
    a = await db.people.create(consent_at=CONSENT, external_id="S-1", display_name="A")
    b = await db.people.create(consent_at=CONSENT, external_id="S-2", display_name="B")
    await db.templates.add(a.id, _vector(1), model_pack="pack-one")
    await db.templates.add(b.id, _vector(2), model_pack="pack-one")
    await db.templates.add(b.id, _vector(3, dim=128), model_pack="pack-two")

    one = await db.templates.load_matrix("pack-one")
    two = await db.templates.load_matrix("pack-two")
    none = await db.templates.load_matrix("pack-three")

    assert one.embeddings.shape == (2, 512) and set(one.person_ids) == {a.id, b.id}
    assert two.embeddings.shape == (1, 128) and two.person_ids == (b.id,)
    np.testing.assert_array_equal(two.embeddings[0], _vector(3, dim=128))
    assert len(none) == 0


async def test_a_gallery_can_be_limited_to_a_roster_and_skips_inactive_people(
    db: Database,
) -> None:
    enrolled = await db.people.create(consent_at=CONSENT, external_id="S-1", display_name="In")
    outsider = await db.people.create(consent_at=CONSENT, external_id="S-2", display_name="Out")
    inactive = await db.people.create(
        consent_at=CONSENT, external_id="S-3", display_name="Gone", active=False
    )
    course = await db.courses.create(code="C", name="Course")
    await db.courses.enrol(course.id, [enrolled.id, inactive.id])
    for seed, person in enumerate((enrolled, outsider, inactive)):
        await db.templates.add(person.id, _vector(seed), model_pack="p")

    roster = await db.templates.load_matrix("p", course_id=course.id)
    everyone = await db.templates.load_matrix("p")

    assert roster.person_ids == (enrolled.id,)
    assert set(everyone.person_ids) == {enrolled.id, outsider.id}


async def test_a_template_for_an_unknown_person_is_an_invalid_reference(db: Database) -> None:
    with pytest.raises(InvalidReference):
        await db.templates.add(uuid4(), _vector(1), model_pack="p")


async def test_malformed_embeddings_are_refused(db: Database) -> None:
    person = await db.people.create(consent_at=CONSENT, external_id="S-1", display_name="A")
    with pytest.raises(InvalidValue):
        await db.templates.add(person.id, np.zeros((2, 4), np.float32), model_pack="p")
    with pytest.raises(InvalidValue):
        await db.templates.add(person.id, np.array([1.0, np.nan], np.float32), model_pack="p")


async def test_adding_and_deleting_templates_is_announced_and_audited(db: Database) -> None:
    person = await db.people.create(consent_at=CONSENT, external_id="S-1", display_name="A")
    added = await db.templates.add(person.id, _vector(1), model_pack="p", actor="admin:1")
    await db.templates.delete(added.id, actor="admin:1")

    events = await settled_events(db, 2)
    audit = await db.audit.list(entity_type="person", entity_id=person.id)

    assert [e.kind for e in events] == ["template.added", "template.deleted"]
    assert events[0].payload == {
        "template_id": str(added.id),
        "person_id": str(person.id),
        "model_pack": "p",
    }
    assert [a.action for a in audit.items] == ["template.delete", "template.add", "person.create"]
    with pytest.raises(NotFound):
        await db.templates.get(added.id)


async def test_a_set_of_templates_is_written_whole_with_one_audit_entry_each(
    db: Database,
) -> None:
    person = await db.people.create(consent_at=CONSENT, external_id="S-1", display_name="A")
    before = await audit_trail(db)

    added = await db.templates.add_set(
        person.id, [(_vector(1), 0.9), (_vector(2), 0.8)], model_pack="p", actor="admin:1"
    )

    assert [t.quality for t in added] == pytest.approx([0.9, 0.8])
    assert await audited_since(db, before) == [
        ("admin:1", "template.add", {"template_id": str(t.id), "model_pack": "p"})
        for t in reversed(added)
    ]


async def test_a_set_with_one_refused_template_writes_none_and_no_audit_entry(
    db: Database,
) -> None:
    person = await db.people.create(consent_at=CONSENT, external_id="S-1", display_name="A")
    before = await audit_trail(db)

    with pytest.raises(InvalidValue):
        await db.templates.add_set(
            person.id,
            [(_vector(1), 0.9), (np.array([1.0, np.nan], np.float32), 0.8)],
            model_pack="p",
            actor="admin:1",
        )
    with pytest.raises(InvalidValue):  # the database refuses the second, after the first
        await db.templates.add_set(
            person.id, [(_vector(1), 0.9), (_vector(2, dim=9000), 0.8)], model_pack="p", actor="a"
        )

    assert len(await db.templates.load_matrix("p")) == 0
    assert await audit_trail(db) == before


async def test_bulk_import_is_announced_once_and_listed_per_person(db: Database) -> None:
    person = await db.people.create(consent_at=CONSENT, external_id="S-1", display_name="A")
    count = await db.templates.add_many([(person.id, _vector(i)) for i in range(3)], model_pack="p")

    page = await db.templates.list_for_person(person.id, limit=2)
    events = await settled_events(db, 1)

    assert count == 3
    assert [(e.kind, e.payload) for e in events] == [
        ("templates.imported", {"model_pack": "p", "count": 3})
    ]
    assert len(page.items) == 2 and page.has_more
    assert len(await db.templates.load_matrix("p")) == 3


async def test_512_d_embeddings_stay_in_the_row_instead_of_the_toast_table(
    db: Database, database_url: str
) -> None:
    person = await db.people.create(consent_at=CONSENT, external_id="S-1", display_name="A")
    for seed in range(20):
        await db.templates.add(person.id, _vector(seed), model_pack="p")

    connection = await asyncpg.connect(database_url)
    try:
        toast_bytes = await connection.fetchval(
            "SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE relname = 'face_templates'"
        )
    finally:
        await connection.close()

    assert toast_bytes == 0
