"""Consent to face recognition: no template is written for a person whose consent is not
recorded (unless the privacy rule leaves consent to the school), and withdrawing it erases
their face data at once, in one transaction, audited and announced as an erasure is."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from uuid import UUID

import numpy as np
import pytest

from store.attendance import AttendanceStatus, Sighting
from store.config import ConsentRule, PrivacyConfig, StoreConfig
from store.database import Database
from store.errors import ConsentMissing, NotFound
from store.imports import NewPerson
from tests.store.conftest import Classroom, audit_trail, audited_since

PACK = "p"


def _vector(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(64).astype(np.float32)


async def _templates_of(db: Database, person_id: UUID) -> int:
    return len((await db.templates.list_for_person(person_id)).items)


async def test_every_template_write_for_a_person_without_consent_is_refused(
    db: Database,
) -> None:
    person = await db.people.create(external_id="S-1", display_name="No consent yet")
    before = await audit_trail(db)

    with pytest.raises(ConsentMissing) as refused:
        await db.templates.add(person.id, _vector(1), model_pack=PACK)
    assert refused.value.person_ids == (person.id,)
    with pytest.raises(ConsentMissing):
        await db.templates.add_set(person.id, [(_vector(1), 0.9)], model_pack=PACK)
    with pytest.raises(ConsentMissing):
        await db.templates.add_many([(person.id, _vector(2))], model_pack=PACK)
    with pytest.raises(ConsentMissing):
        await db.imports.people(
            [NewPerson("S-2", "New, no consent", (_vector(3),))], model_pack=PACK, actor="a"
        )

    assert len(await db.templates.load_matrix(PACK)) == 0
    with pytest.raises(NotFound):
        await db.people.get_by_external_id("S-2")
    assert await audit_trail(db) == before


async def test_a_recorded_consent_lets_the_person_be_enrolled_and_keeps_its_first_time(
    db: Database,
) -> None:
    person = await db.people.create(external_id="S-1", display_name="Ada")
    given = datetime(2026, 9, 1, 8, tzinfo=UTC)
    before = await audit_trail(db)

    recorded = await db.people.record_consent(person.id, at=given, actor="ada-admin")
    again = await db.people.record_consent(person.id, actor="ada-admin")
    await db.templates.add(person.id, _vector(1), model_pack=PACK)

    assert recorded.consent_at == given and again.consent_at == given
    assert await _templates_of(db, person.id) == 1
    assert [action for _, action, _ in await audited_since(db, before)][-2:] == [
        "person.consent_record",
        "person.consent_record",
    ]


async def test_an_import_may_record_consent_with_each_new_person(db: Database) -> None:
    given = datetime(2026, 9, 1, tzinfo=UTC)
    ids = await db.imports.people(
        [NewPerson("S-1", "Ada", (_vector(1),), consent_at=given), NewPerson("S-2", "Bo")],
        model_pack=PACK,
        actor="a",
    )
    ada, bo = [await db.people.get(person_id) for person_id in ids]
    assert (ada.consent_at, bo.consent_at) == (given, None)
    assert await _templates_of(db, ada.id) == 1


async def test_with_consent_handled_outside_rollcall_nobody_is_refused(
    database_url: str,
) -> None:
    config = StoreConfig(database_url=database_url)
    outside = PrivacyConfig(consent=ConsentRule.OUTSIDE)
    async with Database.connect(database_url, config, outside) as db:
        person = await db.people.create(external_id="S-1", display_name="Consent on paper")
        await db.templates.add(person.id, _vector(1), model_pack=PACK)
        await db.imports.people([NewPerson("S-2", "Bo", (_vector(2),))], model_pack=PACK, actor="a")
        assert len(await db.templates.load_matrix(PACK)) == 2


async def test_withdrawing_consent_erases_the_face_data_and_keeps_the_person_and_attendance(
    classroom: Classroom, db: Database
) -> None:
    student = classroom.student
    for seed in range(3):
        await db.templates.add(student.id, _vector(seed), model_pack=PACK)
    await db.attendance.record(
        Sighting(classroom.session.id, student.id, AttendanceStatus.PRESENT, datetime.now(UTC), 0.7)
    )
    before = await audit_trail(db)

    async with db.change_feed() as feed:
        withdrawal = await db.people.withdraw_consent(student.id, actor="ada-admin")
        event = await asyncio.wait_for(anext(feed), 10)

    assert withdrawal.templates_deleted == 3 and withdrawal.person.consent_at is None
    assert (await db.people.get(student.id)).consent_at is None
    assert len(await db.templates.load_matrix(PACK)) == 0
    assert await db.courses.is_enrolled(classroom.course.id, student.id)
    assert len((await db.attendance.list_for_session(classroom.session.id)).items) == 1
    # the erasure's own event: every gallery drops the person at once
    assert (event.kind, event.payload["person_id"]) == ("person.erased", str(student.id))
    assert await audited_since(db, before) == [
        ("ada-admin", "person.consent_withdraw", {"templates_deleted": 3})
    ]
    with pytest.raises(ConsentMissing):
        await db.templates.add(student.id, _vector(9), model_pack=PACK)


async def test_withdrawing_the_consent_of_nobody_is_not_found(db: Database) -> None:
    person = await db.people.create(external_id="S-1", display_name="Gone soon")
    await db.people.erase(person.id, actor="a")
    with pytest.raises(NotFound):
        await db.people.withdraw_consent(person.id, actor="a")
    with pytest.raises(NotFound):
        await db.people.record_consent(person.id, actor="a")


async def test_an_enrolment_racing_a_withdrawal_never_leaves_a_template_behind(
    classroom: Classroom, db: Database
) -> None:
    student = classroom.student
    for attempt in range(10):
        await db.people.record_consent(student.id, at=datetime.now(UTC) - timedelta(days=1))

        async def enrol(seed: int = attempt) -> None:
            with contextlib.suppress(ConsentMissing):  # the withdrawal came first
                await db.templates.add_set(student.id, [(_vector(seed), 0.9)], model_pack=PACK)

        await asyncio.gather(enrol(), db.people.withdraw_consent(student.id, actor="a"))
        assert await _templates_of(db, student.id) == 0, f"attempt {attempt}"
