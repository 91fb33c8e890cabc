"""The runtime's attendance writer: writes held while the database does not answer, and a
buffer that fills up says so before it is full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from tests.web.live.conftest import until
from web.live.attendance_writer import AttendanceWriter
from web.settings import Settings
from web.telemetry.metrics import Metrics


async def test_a_buffer_half_taken_while_the_database_does_not_answer_is_crowded_until_written(
    settings: Settings, database_url: str
) -> None:
    store = settings.store.model_copy(update={"write_buffer_depth": 4})
    now = datetime.now(UTC)
    async with Database.connect(database_url, store) as db:
        course = await db.courses.create(code="C-1", name="Course")
        room = await db.rooms.create("Room 1")
        session = await db.sessions.create(
            course_id=course.id,
            room_id=room.id,
            scheduled_start=now - timedelta(minutes=1),
            scheduled_end=now + timedelta(hours=1),
        )
        people = [
            await db.people.create(external_id=f"s-{n}", display_name=f"Student {n}")
            for n in range(2)
        ]
        metrics = Metrics()
        blocker = await asyncpg.connect(database_url)
        try:
            async with AttendanceWriter(db, metrics) as writer:
                hold = blocker.transaction()
                await hold.start()
                await blocker.execute("LOCK TABLE attendance IN SHARE ROW EXCLUSIVE MODE")
                sightings = [
                    Sighting(session.id, p.id, AttendanceStatus.PRESENT, now, 0.9) for p in people
                ]
                await writer.submit(sightings[0])
                assert not writer.crowded
                await writer.submit(sightings[1])
                assert writer.crowded
                assert metrics.db_buffered_writes._value.get() == 2
                await hold.rollback()
                await until(lambda: writer.buffer.depth == 0)
                assert not writer.crowded
        finally:
            await blocker.close()
        rows = (await db.attendance.list_for_session(session.id)).items
    assert {r.person_id for r in rows} == {p.id for p in people}
