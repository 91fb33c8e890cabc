"""Attendance: idempotent upserts, exact counts under concurrency, manual decisions that stick."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.errors import InvalidReference, NotFound
from tests.store.conftest import Classroom, settled_events

T0 = datetime(2026, 3, 2, 9, 3, tzinfo=UTC)


def _sighting(room: Classroom, at: datetime, score: float, **kwargs: object) -> Sighting:
    return Sighting(
        session_id=room.session.id,
        person_id=room.student.id,
        status=kwargs.pop("status", AttendanceStatus.PRESENT),  # type: ignore[arg-type]
        seen_at=at,
        score=score,
        camera_id=room.camera.id,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_the_first_sighting_creates_the_row_and_says_so(
    classroom: Classroom, db: Database
) -> None:
    result = await db.attendance.record(_sighting(classroom, T0, 0.61))

    assert result is not None and result.inserted
    record = result.record
    assert record.status is AttendanceStatus.PRESENT
    assert (record.first_seen, record.last_seen, record.sightings) == (T0, T0, 1)
    assert record.best_score == pytest.approx(0.61)
    assert record.camera_id == classroom.camera.id


async def test_later_sightings_keep_first_seen_and_raise_last_seen_best_score_and_count(
    classroom: Classroom, db: Database
) -> None:
    await db.attendance.record(_sighting(classroom, T0, 0.61))
    await db.attendance.record(_sighting(classroom, T0 + timedelta(minutes=5), 0.55))
    result = await db.attendance.record(
        _sighting(classroom, T0 - timedelta(minutes=1), 0.80, status=AttendanceStatus.LATE)
    )

    assert result is not None and not result.inserted
    record = result.record
    assert record.first_seen == T0 - timedelta(minutes=1)
    assert record.last_seen == T0 + timedelta(minutes=5)
    assert record.best_score == pytest.approx(0.80)
    assert record.sightings == 3
    assert record.status is AttendanceStatus.PRESENT  # the first decision stands


async def test_a_write_replayed_with_the_same_id_is_not_counted_twice(
    classroom: Classroom, db: Database
) -> None:
    sighting = _sighting(classroom, T0, 0.7)

    first = await db.attendance.record(sighting)
    replay = await db.attendance.record(sighting)
    replayed_batch = await db.attendance.record_many([sighting, sighting])

    assert first is not None and replay is None and replayed_batch == []
    assert (await db.attendance.get(classroom.session.id, classroom.student.id)).sightings == 1


async def test_a_write_repeated_inside_one_batch_is_counted_once(
    classroom: Classroom, db: Database
) -> None:
    sighting = _sighting(classroom, T0, 0.7)

    results = await db.attendance.record_many([sighting, sighting])

    assert [r.record.sightings for r in results] == [1]


async def test_a_batch_with_several_sightings_of_one_person_merges_them(
    classroom: Classroom, db: Database
) -> None:
    other = await db.people.create(external_id="S-2", display_name="Bob")
    batch = [_sighting(classroom, T0 + timedelta(seconds=i), 0.5 + i / 100) for i in range(10)]
    batch.append(Sighting(classroom.session.id, other.id, AttendanceStatus.LATE, T0, 0.9, count=4))

    results = await db.attendance.record_many(batch)

    by_person = {r.record.person_id: r.record for r in results}
    assert by_person[classroom.student.id].sightings == 10
    assert by_person[classroom.student.id].last_seen == T0 + timedelta(seconds=9)
    assert by_person[other.id].sightings == 4
    assert by_person[other.id].status is AttendanceStatus.LATE
    assert all(r.inserted for r in results)


async def test_concurrent_upserts_of_one_row_from_many_tasks_count_exactly(
    classroom: Classroom, db: Database
) -> None:
    tasks, writes_each = 8, 25

    async def writer(task: int) -> int:
        inserted = 0
        for i in range(writes_each):
            at = T0 + timedelta(seconds=task * writes_each + i)
            result = await db.attendance.record(
                _sighting(classroom, at, (task * 31 + i) % 97 / 100)
            )
            inserted += bool(result and result.inserted)
        return inserted

    inserted = await asyncio.gather(*(writer(t) for t in range(tasks)))

    record = await db.attendance.get(classroom.session.id, classroom.student.id)
    assert sum(inserted) == 1
    assert record.sightings == tasks * writes_each
    assert record.first_seen == T0
    assert record.last_seen == T0 + timedelta(seconds=tasks * writes_each - 1)
    assert record.best_score == pytest.approx(0.96)


async def test_every_upsert_is_announced_on_the_change_feed(
    classroom: Classroom, db: Database
) -> None:
    await db.attendance.record(_sighting(classroom, T0, 0.6))
    await db.attendance.record(_sighting(classroom, T0, 0.7))

    # the classroom's camera and roster come first, then the two upserts
    events = [e for e in await settled_events(db, 4) if e.kind.startswith("attendance")]

    assert [(e.kind, e.payload["inserted"], e.payload["sightings"]) for e in events] == [
        ("attendance.upserted", True, 1),
        ("attendance.upserted", False, 2),
    ]
    assert events[0].payload["person_id"] == str(classroom.student.id)
    assert [e.payload["manual"] for e in events] == [False, False]


async def test_an_upsert_of_a_row_a_teacher_decided_says_so_in_its_event(
    classroom: Classroom, db: Database
) -> None:
    await db.attendance.record(_sighting(classroom, T0, 0.6))
    await db.attendance.set_status(
        classroom.session.id, classroom.student.id, AttendanceStatus.EXCUSED, actor="teacher:7"
    )
    await db.attendance.record(_sighting(classroom, T0 + timedelta(minutes=1), 0.6))

    events = await settled_events(db, 5)
    upserts = [e.payload for e in events if e.kind == "attendance.upserted"]

    assert [(p["manual"], p["status"]) for p in upserts] == [
        (False, "present"),
        (True, "excused"),
    ]


async def test_a_teachers_decision_is_audited_and_survives_later_sightings(
    classroom: Classroom, db: Database
) -> None:
    await db.attendance.record(_sighting(classroom, T0, 0.6))

    excused = await db.attendance.set_status(
        classroom.session.id,
        classroom.student.id,
        AttendanceStatus.EXCUSED,
        actor="teacher:7",
        reason="doctor",
    )
    after = await db.attendance.record(_sighting(classroom, T0 + timedelta(minutes=1), 0.6))
    audit = await db.audit.list(entity_type="attendance")

    assert excused.manual and excused.status is AttendanceStatus.EXCUSED
    assert after is not None and after.record.status is AttendanceStatus.EXCUSED
    assert after.record.sightings == 2
    entry = audit.items[0]
    assert (entry.actor, entry.action) == ("teacher:7", "attendance.set_status")
    assert entry.details["from"] == "present" and entry.details["to"] == "excused"


async def test_closing_a_session_marks_unseen_roster_members_absent_and_a_sighting_fixes_it(
    classroom: Classroom, db: Database
) -> None:
    absentee = await db.people.create(external_id="S-9", display_name="Late Larry")
    await db.courses.enrol(classroom.course.id, [absentee.id])
    await db.attendance.record(_sighting(classroom, T0, 0.6))

    marked = await db.attendance.mark_absentees(classroom.session.id)
    summary = await db.attendance.summary(classroom.session.id)
    late = await db.attendance.record(
        Sighting(classroom.session.id, absentee.id, AttendanceStatus.LATE, T0, 0.7)
    )

    assert marked == 1
    assert summary[AttendanceStatus.PRESENT] == 1 and summary[AttendanceStatus.ABSENT] == 1
    assert late is not None and late.record.status is AttendanceStatus.LATE


async def test_sightings_for_unknown_sessions_or_people_are_invalid_references(
    classroom: Classroom, db: Database
) -> None:
    with pytest.raises(InvalidReference):
        await db.attendance.record(
            Sighting(uuid4(), classroom.student.id, AttendanceStatus.PRESENT, T0, 0.5)
        )
    with pytest.raises(InvalidReference):
        await db.attendance.record(
            Sighting(classroom.session.id, uuid4(), AttendanceStatus.PRESENT, T0, 0.5)
        )


def test_a_sighting_cannot_claim_absent_or_excused() -> None:
    with pytest.raises(ValueError, match="present or late"):
        Sighting(uuid4(), uuid4(), AttendanceStatus.ABSENT, T0, 0.5)


async def test_attendance_lists_per_session_and_per_person(
    classroom: Classroom, db: Database
) -> None:
    await db.attendance.record(_sighting(classroom, T0, 0.6))

    per_session = await db.attendance.list_for_session(classroom.session.id)
    per_person = await db.attendance.list_for_person(classroom.student.id, limit=1)

    assert [r.person_id for r in per_session.items] == [classroom.student.id]
    assert per_person.items == per_session.items and not per_person.has_more
    with pytest.raises(NotFound):
        await db.attendance.get(classroom.session.id, uuid4())


async def test_course_rates_count_held_sessions_and_attendance_per_student(
    classroom: Classroom, db: Database
) -> None:
    earlier = await db.sessions.create(
        course_id=classroom.course.id,
        room_id=classroom.room.id,
        scheduled_start=T0 - timedelta(days=7),
        scheduled_end=T0 - timedelta(days=7) + timedelta(hours=1),
    )
    await db.sessions.create(  # in the future: not held yet
        course_id=classroom.course.id,
        room_id=classroom.room.id,
        scheduled_start=datetime.now(UTC) + timedelta(days=7),
        scheduled_end=datetime.now(UTC) + timedelta(days=7, hours=1),
    )
    absentee = await db.people.create(external_id="S-9", display_name="Zed")
    await db.courses.enrol(classroom.course.id, [absentee.id])
    await db.attendance.record(_sighting(classroom, T0, 0.6, status=AttendanceStatus.LATE))
    await db.attendance.set_status(
        earlier.id, absentee.id, AttendanceStatus.EXCUSED, actor="teacher:1"
    )

    rates = {
        r.display_name: r for r in (await db.attendance.rates_for_course(classroom.course.id)).items
    }

    ada, zed = rates["Ada Lovelace"], rates["Zed"]
    assert (ada.sessions, ada.attended, ada.late, ada.rate) == (2, 1, 1, 0.5)
    assert (zed.sessions, zed.attended, zed.excused, zed.rate) == (2, 0, 1, 0.0)
