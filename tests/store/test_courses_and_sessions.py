"""Courses, rosters and class sessions; each change an admin makes audited with it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from store.database import Database
from store.errors import Conflict, InvalidReference, InvalidValue, NotFound
from store.sessions import SessionStatus
from tests.store.conftest import Classroom, audit_trail, audited_since, settled_events

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_a_roster_lists_enrolled_people_and_enrolling_twice_is_harmless(
    db: Database,
) -> None:
    course = await db.courses.create(code="BIO1", name="Biology")
    people = [await db.people.create(external_id=f"S-{i}", display_name=f"P{i}") for i in range(3)]

    added = await db.courses.enrol(course.id, [p.id for p in people])
    again = await db.courses.enrol(course.id, [people[0].id])
    await db.courses.unenrol(course.id, people[2].id)

    assert (added, again) == (3, 0)
    events = await settled_events(db, 2)
    assert [(e.kind, e.payload) for e in events] == [
        ("roster.changed", {"course_id": str(course.id)})
    ] * 2  # the enrolment that added nobody changed nothing
    assert [p.display_name for p in (await db.courses.roster(course.id)).items] == ["P0", "P1"]
    assert await db.courses.is_enrolled(course.id, people[0].id)
    assert not await db.courses.is_enrolled(course.id, people[2].id)


async def test_course_codes_are_unique_and_rosters_need_real_people(db: Database) -> None:
    course = await db.courses.create(code="BIO1", name="Biology")
    with pytest.raises(Conflict):
        await db.courses.create(code="BIO1", name="Again")
    with pytest.raises(InvalidReference):
        await db.courses.enrol(course.id, [uuid4()])
    with pytest.raises(NotFound):
        await db.courses.unenrol(course.id, uuid4())


async def test_a_course_or_room_with_sessions_cannot_be_deleted(
    classroom: Classroom, db: Database
) -> None:
    with pytest.raises(InvalidReference):
        await db.courses.delete(classroom.course.id)
    with pytest.raises(InvalidReference):
        await db.rooms.delete(classroom.room.id)


async def test_a_session_must_end_after_it_starts_and_name_real_rows(
    classroom: Classroom, db: Database
) -> None:
    with pytest.raises(InvalidValue):
        await db.sessions.create(
            course_id=classroom.course.id,
            room_id=classroom.room.id,
            scheduled_start=NINE,
            scheduled_end=NINE - timedelta(minutes=1),
        )
    with pytest.raises(InvalidReference):
        await db.sessions.create(
            course_id=uuid4(),
            room_id=classroom.room.id,
            scheduled_start=NINE,
            scheduled_end=NINE + timedelta(hours=1),
        )


async def test_the_current_session_of_a_room_follows_schedule_and_status(
    classroom: Classroom, db: Database
) -> None:
    later = await db.sessions.create(
        course_id=classroom.course.id,
        room_id=classroom.room.id,
        scheduled_start=NINE,
        scheduled_end=NINE + timedelta(hours=1),
        grace_minutes=5,
    )
    at_ten_past = NINE + timedelta(minutes=10)

    assert (await db.sessions.current_in_room(classroom.room.id, at_ten_past)) == later
    assert later.late_after == NINE + timedelta(minutes=5)
    await db.sessions.set_status(later.id, SessionStatus.CANCELLED)
    assert await db.sessions.current_in_room(classroom.room.id, at_ten_past) is None
    now = await db.sessions.current_in_room(classroom.room.id, datetime.now(UTC))
    assert now is not None and now.id == classroom.session.id


async def test_sessions_are_listed_newest_first_with_filters(
    classroom: Classroom, db: Database
) -> None:
    for day in range(3):
        await db.sessions.create(
            course_id=classroom.course.id,
            room_id=classroom.room.id,
            scheduled_start=NINE + timedelta(days=day),
            scheduled_end=NINE + timedelta(days=day, hours=1),
        )

    window = await db.sessions.list(
        course_id=classroom.course.id,
        starts_from=NINE,
        starts_before=NINE + timedelta(days=2),
    )
    scheduled = await db.sessions.list(status=SessionStatus.SCHEDULED, limit=2)

    assert [s.scheduled_start for s in window.items] == [NINE + timedelta(days=1), NINE]
    assert len(scheduled.items) == 2 and scheduled.has_more
    with pytest.raises(NotFound):
        await db.sessions.get(uuid4())


async def test_a_session_opened_early_takes_attendance_until_its_scheduled_end(
    classroom: Classroom, db: Database
) -> None:
    await db.sessions.set_status(classroom.session.id, SessionStatus.CANCELLED)
    early = await db.sessions.create(
        course_id=classroom.course.id,
        room_id=classroom.room.id,
        scheduled_start=NINE,
        scheduled_end=NINE + timedelta(hours=1),
    )
    before_nine = NINE - timedelta(minutes=20)
    assert await db.sessions.current_in_room(classroom.room.id, before_nine) is None

    await db.sessions.set_status(early.id, SessionStatus.OPEN)

    current = await db.sessions.current_in_room(classroom.room.id, before_nine)
    assert current is not None and current.id == early.id
    after_end = NINE + timedelta(hours=1, seconds=1)
    assert await db.sessions.current_in_room(classroom.room.id, after_end) is None


async def test_a_status_step_guarded_by_the_current_status_is_refused_once_it_moved(
    classroom: Classroom, db: Database
) -> None:
    session_id = classroom.session.id
    await db.sessions.set_status(session_id, SessionStatus.OPEN)

    stop = db.sessions.set_status(session_id, SessionStatus.CLOSED, only_from={SessionStatus.OPEN})
    cancel = db.sessions.set_status(
        session_id,
        SessionStatus.CANCELLED,
        only_from={SessionStatus.SCHEDULED, SessionStatus.OPEN},
    )
    outcomes = await asyncio.gather(stop, cancel, return_exceptions=True)

    assert sum(isinstance(outcome, Conflict) for outcome in outcomes) == 1
    final = await db.sessions.get(session_id)
    winner = next(o for o in outcomes if not isinstance(o, BaseException))
    assert final.status is winner.status
    with pytest.raises(NotFound):
        await db.sessions.set_status(uuid4(), SessionStatus.OPEN, only_from={SessionStatus.OPEN})


async def test_a_timetable_of_sessions_is_written_whole_or_not_at_all(
    classroom: Classroom, db: Database
) -> None:
    slots = [(NINE + timedelta(days=d), NINE + timedelta(days=d, hours=1)) for d in (7, 0, 2)]

    created = await db.sessions.create_many(
        course_id=classroom.course.id, room_id=classroom.room.id, slots=slots, grace_minutes=3
    )

    assert [s.scheduled_start for s in created] == sorted(start for start, _ in slots)
    assert {s.grace_minutes for s in created} == {3}
    broken = [*slots, (NINE, NINE - timedelta(minutes=1))]
    before = len((await db.sessions.list(course_id=classroom.course.id)).items)
    with pytest.raises(InvalidValue):
        await db.sessions.create_many(
            course_id=classroom.course.id, room_id=classroom.room.id, slots=broken
        )
    assert len((await db.sessions.list(course_id=classroom.course.id)).items) == before


async def test_sessions_past_their_end_are_closed_and_announced_once(
    classroom: Classroom, db: Database
) -> None:
    ended = await db.sessions.create(
        course_id=classroom.course.id,
        room_id=classroom.room.id,
        scheduled_start=NINE,
        scheduled_end=NINE + timedelta(hours=1),
    )
    await db.sessions.set_status(ended.id, SessionStatus.OPEN)
    cancelled = await db.sessions.create(
        course_id=classroom.course.id,
        room_id=classroom.room.id,
        scheduled_start=NINE,
        scheduled_end=NINE + timedelta(minutes=30),
    )
    await db.sessions.set_status(cancelled.id, SessionStatus.CANCELLED)
    at = NINE + timedelta(hours=2)

    closed = await db.sessions.close_ended(at)
    again = await db.sessions.close_ended(at)

    assert [s.id for s in closed] == [ended.id]
    assert closed[0].status is SessionStatus.CLOSED
    assert again == []
    assert (await db.sessions.get(classroom.session.id)).status is SessionStatus.SCHEDULED
    assert (await db.sessions.get(cancelled.id)).status is SessionStatus.CANCELLED


async def test_each_change_of_a_course_leaves_one_audit_entry_naming_its_actor(
    db: Database,
) -> None:
    course = await db.courses.create(code="BIO1", name="Biology")
    ada, bo = [await db.people.create(external_id=f"S-{i}", display_name=f"P{i}") for i in (1, 2)]
    before = await audit_trail(db)

    await db.courses.enrol(course.id, [ada.id], actor="ada-admin")
    await db.courses.import_roster(course.id, [ada.id, bo.id], rows=3, actor="ada-admin")
    await db.courses.unenrol(course.id, bo.id, actor="ada-admin")
    await db.courses.delete(course.id, actor="ada-admin")

    assert await audited_since(db, before) == [
        ("ada-admin", "course.delete", {}),
        ("ada-admin", "course.roster_remove", {"person_id": str(bo.id)}),
        ("ada-admin", "course.roster_import", {"rows": 3, "added": 1}),
        ("ada-admin", "course.roster_add", {"person_ids": [str(ada.id)], "added": 1}),
    ]


async def test_a_refused_change_of_a_course_leaves_no_audit_entry(
    classroom: Classroom, db: Database
) -> None:
    before = await audit_trail(db)

    with pytest.raises(InvalidReference):
        await db.courses.delete(classroom.course.id, actor="ada-admin")
    with pytest.raises(NotFound):
        await db.courses.delete(uuid4(), actor="ada-admin")
    with pytest.raises(InvalidReference):
        await db.courses.enrol(classroom.course.id, [classroom.student.id, uuid4()], actor="a")
    with pytest.raises(InvalidReference):
        await db.courses.import_roster(classroom.course.id, [uuid4()], rows=1, actor="a")
    with pytest.raises(NotFound):
        await db.courses.unenrol(classroom.course.id, uuid4(), actor="ada-admin")

    assert await audit_trail(db) == before


async def test_a_timetable_is_audited_with_its_sessions_and_a_refused_one_is_not(
    classroom: Classroom, db: Database
) -> None:
    slots = [(NINE + timedelta(days=d), NINE + timedelta(days=d, hours=1)) for d in (0, 7)]
    before = await audit_trail(db)

    with pytest.raises(InvalidValue):
        await db.sessions.create_many(
            course_id=classroom.course.id,
            room_id=classroom.room.id,
            slots=[*slots, (NINE, NINE - timedelta(minutes=1))],
            actor="ada-admin",
        )
    with pytest.raises(InvalidReference):
        await db.sessions.create_many(
            course_id=classroom.course.id, room_id=uuid4(), slots=slots, actor="ada-admin"
        )
    assert await audit_trail(db) == before
    await db.sessions.create_many(
        course_id=classroom.course.id, room_id=classroom.room.id, slots=slots, actor="ada-admin"
    )

    assert await audited_since(db, before) == [
        ("ada-admin", "sessions.timetable", {"sessions": 2, "room_id": str(classroom.room.id)})
    ]


async def test_deleting_a_session_s_unknown_faces_is_audited_with_the_count_deleted(
    classroom: Classroom, db: Database
) -> None:
    before = await audit_trail(db)

    async def delete_images() -> int:
        return 3

    deleted = await db.sessions.delete_unknown_faces(
        classroom.session.id, delete_images, actor="ada-admin"
    )

    assert deleted == 3
    assert await audited_since(db, before) == [("ada-admin", "unknown_faces.delete", {"images": 3})]


async def test_a_deletion_of_unknown_faces_that_fails_or_names_no_session_leaves_no_entry(
    classroom: Classroom, db: Database
) -> None:
    attempts: list[str] = []

    async def failing() -> int:
        attempts.append("failing")
        raise PermissionError("the folder is read-only")

    async def never() -> int:
        attempts.append("never")
        return 0

    before = await audit_trail(db)

    # the file error comes back as itself, not as the database being unavailable
    with pytest.raises(PermissionError):
        await db.sessions.delete_unknown_faces(classroom.session.id, failing, actor="a")
    with pytest.raises(NotFound):
        await db.sessions.delete_unknown_faces(uuid4(), never, actor="a")

    assert attempts == ["failing"]
    assert await audit_trail(db) == before
