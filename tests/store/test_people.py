"""People repository: CRUD, unique external ids, search and pagination; additions and
erasures audited with them."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from uuid import uuid4

import pytest

from store.database import Database
from store.errors import Conflict, InvalidValue, NotFound
from store.pagination import read_every_page
from tests.store.conftest import audit_trail, audited_since, settled_events


async def test_a_created_person_reads_back_by_id_and_by_external_id(db: Database) -> None:
    consent = datetime(2026, 9, 1, tzinfo=UTC)
    created = await db.people.create(
        external_id="S-42", display_name="Grace Hopper", consent_at=consent
    )

    assert await db.people.get(created.id) == created
    assert await db.people.get_by_external_id("S-42") == created
    assert created.active and created.consent_at == consent


async def test_a_second_person_with_the_same_external_id_is_a_conflict(db: Database) -> None:
    await db.people.create(external_id="S-1", display_name="One")

    with pytest.raises(Conflict) as raised:
        await db.people.create(external_id="S-1", display_name="Other")
    assert raised.value.constraint == "people_external_id_key"


async def test_an_empty_display_name_is_refused(db: Database) -> None:
    with pytest.raises(InvalidValue):
        await db.people.create(external_id="S-1", display_name="")


async def test_several_people_are_read_at_once_and_the_unknown_left_out(db: Database) -> None:
    ada = await db.people.create(external_id="S-1", display_name="Ada")
    bo = await db.people.create(external_id="S-2", display_name="Bo")
    await db.people.create(external_id="S-3", display_name="Cy")

    found = await db.people.get_many([bo.id, uuid4(), ada.id])

    assert sorted(p.display_name for p in found) == ["Ada", "Bo"]
    assert await db.people.get_many([]) == []


async def test_unknown_people_are_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        await db.people.get(uuid4())
    with pytest.raises(NotFound):
        await db.people.update(uuid4(), display_name="x")


async def test_update_changes_only_the_fields_given(db: Database) -> None:
    person = await db.people.create(external_id="S-7", display_name="Before")

    updated = await db.people.update(person.id, active=False)
    events = await settled_events(db, 1)

    assert updated.display_name == "Before"
    assert not updated.active
    assert updated.updated_at >= person.updated_at
    assert [(e.kind, e.payload) for e in events] == [
        ("person.updated", {"person_id": str(person.id), "active": False})
    ]


async def test_lists_are_paged_in_name_order_and_filtered(db: Database) -> None:
    for i in range(5):
        await db.people.create(external_id=f"S-{i}", display_name=f"Student {i}", active=i != 4)

    first = await db.people.list(limit=2)
    second = await db.people.list(limit=2, offset=first.next_offset or 0)
    last = await db.people.list(limit=2, offset=4)

    assert [p.display_name for p in first.items + second.items] == [
        f"Student {i}" for i in range(4)
    ]
    assert first.has_more and last.next_offset is None
    assert len((await db.people.list(active=True)).items) == 4
    assert [p.external_id for p in (await db.people.list(search="s-3")).items] == ["S-3"]


async def test_every_page_of_a_list_is_read_in_order(db: Database) -> None:
    for i in range(5):
        await db.people.create(external_id=f"S-{i}", display_name=f"Student {i}", active=i != 4)

    everyone = await read_every_page(db.people.list, page_size=2)
    active = await read_every_page(partial(db.people.list, active=True), page_size=2)

    assert [p.display_name for p in everyone] == [f"Student {i}" for i in range(5)]
    assert [p.display_name for p in active] == [f"Student {i}" for i in range(4)]


async def test_a_page_larger_than_the_maximum_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="limit"):
        await db.people.list(limit=100_000)


async def test_a_bulk_import_adds_everyone_or_nobody(db: Database) -> None:
    ids = await db.people.import_many([("S-1", "One"), ("S-2", "Two")])

    assert [(await db.people.get(i)).external_id for i in ids] == ["S-1", "S-2"]
    with pytest.raises(Conflict):
        await db.people.import_many([("S-3", "Three"), ("S-1", "Again")])
    with pytest.raises(NotFound):
        await db.people.get_by_external_id("S-3")


async def test_adding_people_is_audited_with_them_and_a_refused_addition_is_not(
    db: Database,
) -> None:
    before = await audit_trail(db)

    await db.people.create(external_id="S-1", display_name="One", actor="ada-admin")
    await db.people.import_many([("S-2", "Two")], actor="ada-admin")

    assert await audited_since(db, before) == [
        ("ada-admin", "person.import", {"count": 1}),
        ("ada-admin", "person.create", {}),
    ]
    made = await audit_trail(db)
    with pytest.raises(Conflict):
        await db.people.create(external_id="S-1", display_name="Again", actor="ada-admin")
    with pytest.raises(Conflict):
        await db.people.import_many([("S-3", "Three"), ("S-2", "Again")], actor="ada-admin")
    with pytest.raises(NotFound):
        await db.people.erase(uuid4(), actor="ada-admin")
    assert await audit_trail(db) == made
