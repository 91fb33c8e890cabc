"""A person's portrait lives exactly as long as the template of the photo it came from."""

from __future__ import annotations

import numpy as np
import pytest

from store.database import Database
from store.errors import InvalidValue
from store.imports import NewPerson
from store.people import Person

JPEG_A = b"\xff\xd8 portrait a \xff\xd9"
JPEG_B = b"\xff\xd8 portrait b \xff\xd9"


def _vector(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
    return vector / np.linalg.norm(vector)


async def _person(db: Database, external_id: str = "s-1") -> Person:
    return await db.people.create(external_id=external_id, display_name="Ana Lima")


async def test_a_set_written_with_a_portrait_keeps_it_beside_its_template(db: Database) -> None:
    person = await _person(db)
    written = await db.templates.add_set(
        person.id, [(_vector(1), 0.8), (_vector(2), 0.9)], model_pack="p", portrait=(1, JPEG_A)
    )
    assert await db.portraits.image(person.id) == JPEG_A
    assert await db.portraits.people_with([person.id]) == {person.id}

    await db.templates.delete(written[0].id)  # another photo's template: the portrait stays
    assert await db.portraits.image(person.id) == JPEG_A
    await db.templates.delete(written[1].id)  # its own photo's template: the portrait goes
    assert await db.portraits.image(person.id) is None


async def test_a_newer_enrolment_replaces_the_portrait(db: Database) -> None:
    person = await _person(db)
    await db.templates.add_set(person.id, [(_vector(1), 0.8)], model_pack="p", portrait=(0, JPEG_A))
    await db.templates.add_set(person.id, [(_vector(2), 0.5)], model_pack="p", portrait=(0, JPEG_B))
    assert await db.portraits.image(person.id) == JPEG_B


async def test_a_set_without_a_portrait_leaves_the_one_kept(db: Database) -> None:
    person = await _person(db)
    await db.templates.add_set(person.id, [(_vector(1), 0.8)], model_pack="p", portrait=(0, JPEG_A))
    await db.templates.add_set(person.id, [(_vector(2), 0.5)], model_pack="p")
    assert await db.portraits.image(person.id) == JPEG_A


async def test_a_portrait_of_a_face_not_in_the_set_is_refused_and_nothing_is_written(
    db: Database,
) -> None:
    person = await _person(db)
    with pytest.raises(InvalidValue):
        await db.templates.add_set(
            person.id, [(_vector(1), 0.8)], model_pack="p", portrait=(1, JPEG_A)
        )
    assert (await db.templates.list_for_person(person.id)).items == ()
    assert await db.portraits.image(person.id) is None


async def test_erasing_the_person_erases_their_portrait(db: Database) -> None:
    person = await _person(db)
    await db.templates.add_set(person.id, [(_vector(1), 0.8)], model_pack="p", portrait=(0, JPEG_A))
    await db.people.erase(person.id, actor="admin:1")
    assert await db.portraits.image(person.id) is None
    assert await db.portraits.people_with([person.id]) == frozenset()


async def test_a_bulk_import_keeps_each_person_s_portrait_with_the_template_of_its_photo(
    db: Database,
) -> None:
    ids = await db.imports.people(
        [
            NewPerson("s-1", "Ana", (_vector(1), _vector(2)), portrait=(1, JPEG_A)),
            NewPerson("s-2", "Ben", (_vector(3),)),
            NewPerson("s-3", "Cai", (_vector(4),), portrait=(0, JPEG_B)),
        ],
        model_pack="p",
        actor="admin:1",
    )
    assert await db.portraits.people_with(ids) == {ids[0], ids[2]}
    assert await db.portraits.image(ids[2]) == JPEG_B
    ana = (await db.templates.list_for_person(ids[0])).items
    second_photo = next(t for t in ana if np.allclose(t.embedding, _vector(2)))
    await db.templates.delete(second_photo.id)
    assert await db.portraits.image(ids[0]) is None


async def test_turning_portraits_off_deletes_every_one_with_an_audit_entry(db: Database) -> None:
    first, second = await _person(db, "s-1"), await _person(db, "s-2")
    for person in (first, second):
        await db.templates.add_set(
            person.id, [(_vector(1), 0.8)], model_pack="p", portrait=(0, JPEG_A)
        )
    assert await db.portraits.delete_all(actor="system") == 2
    assert await db.portraits.people_with([first.id, second.id]) == frozenset()
    entries = (await db.audit.list(entity_type="person")).items
    wholesale = [entry for entry in entries if entry.action == "portraits.delete_all"]
    assert [entry.details["count"] for entry in wholesale] == [2]
    assert await db.portraits.delete_all(actor="system") == 0
