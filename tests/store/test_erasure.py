"""Erasing a person: templates and (per setting) attendance go in one transaction, audited,
and every gallery hears to drop them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import numpy as np
import pytest

from store.attendance import AttendanceStatus, Sighting
from store.config import StoreConfig
from store.database import Database
from store.errors import NotFound
from tests.store.conftest import Classroom


async def _enrolled_and_seen(classroom: Classroom, db: Database) -> None:
    for seed in range(3):
        vector = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
        await db.templates.add(classroom.student.id, vector, model_pack="p")
    await db.attendance.record(
        Sighting(
            classroom.session.id,
            classroom.student.id,
            AttendanceStatus.PRESENT,
            datetime.now(UTC),
            0.7,
        )
    )


async def test_erasing_a_person_removes_them_their_templates_and_attendance(
    classroom: Classroom, db: Database
) -> None:
    await _enrolled_and_seen(classroom, db)

    async with db.change_feed() as feed:
        erasure = await db.people.erase(classroom.student.id, actor="admin:1")
        event = await asyncio.wait_for(anext(feed), 10)

    assert (erasure.templates_deleted, erasure.attendance_deleted) == (3, 1)
    with pytest.raises(NotFound):
        await db.people.get(classroom.student.id)
    assert len(await db.templates.load_matrix("p")) == 0
    assert (await db.attendance.list_for_session(classroom.session.id)).items == ()
    assert not await db.courses.is_enrolled(classroom.course.id, classroom.student.id)
    assert event.kind == "person.erased"
    assert event.payload == {"person_id": str(classroom.student.id)}
    audit = (await db.audit.list(entity_type="person", entity_id=classroom.student.id)).items
    assert audit[0].action == "person.erase" and audit[0].actor == "admin:1"
    assert "S-0001" not in repr(audit) and "Ada" not in repr(audit)


async def test_with_attendance_kept_the_rows_stay_but_no_longer_say_who(
    classroom: Classroom, database_url: str
) -> None:
    config = StoreConfig(database_url=database_url, erase_attendance_on_delete=False)
    async with Database.connect(database_url, config) as keeping:
        await _enrolled_and_seen(classroom, keeping)

        erasure = await keeping.people.erase(classroom.student.id, actor="admin:1")
        rows = (await keeping.attendance.list_for_session(classroom.session.id)).items

    assert (erasure.attendance_deleted, erasure.attendance_anonymised) == (0, 1)
    assert len(rows) == 1 and rows[0].person_id is None
    assert rows[0].status is AttendanceStatus.PRESENT


async def test_erasing_an_unknown_person_is_not_found_and_changes_nothing(
    classroom: Classroom, db: Database
) -> None:
    await db.people.erase(classroom.student.id, actor="admin:1")
    with pytest.raises(NotFound):
        await db.people.erase(classroom.student.id, actor="admin:1")
