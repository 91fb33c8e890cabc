"""The write buffer: PostgreSQL stopped and started under a stream of writes loses nothing."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from store.attendance import Attendance, AttendanceStatus, AttendanceUpsert, Sighting
from store.config import StoreConfig
from store.database import Database
from store.embedded import EmbeddedPostgres
from store.server import ensure_database
from store.write_buffer import AttendanceWriteBuffer
from tests.postgres_fixtures import short_temp_dir
from tests.store.conftest import Classroom

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Wait, bounded, for a condition another task makes true."""
    for _ in range(int(timeout_s / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


@pytest.mark.slow
async def test_stopping_and_restarting_postgres_mid_stream_lands_every_write_exactly_once(
    own_server: EmbeddedPostgres,
) -> None:
    await ensure_database(own_server.dsn("postgres"), "rollcall")
    dsn = own_server.dsn("rollcall")
    config = StoreConfig(
        database_url=dsn, retry_initial_s=0.05, retry_max_s=0.5, write_batch_size=25
    )
    people_count, total = 5, 1000
    async with Database.connect(dsn, config) as db:
        course = await db.courses.create(code="C", name="Course")
        room = await db.rooms.create("R")
        session = await db.sessions.create(
            course_id=course.id,
            room_id=room.id,
            scheduled_start=T0,
            scheduled_end=T0 + timedelta(hours=1),
        )
        people = [
            await db.people.create(external_id=f"S-{i}", display_name=f"P{i}")
            for i in range(people_count)
        ]
        submitted = 0
        landed: dict[UUID, list[datetime]] = {}  # per person, last_seen as each write landed

        async def remember(results: Sequence[AttendanceUpsert]) -> None:
            for result in results:
                assert result.record.person_id is not None and result.record.last_seen
                landed.setdefault(result.record.person_id, []).append(result.record.last_seen)

        async with db.write_buffer(on_written=remember) as buffer:
            server_down = asyncio.Event()

            async def produce() -> None:
                nonlocal submitted
                for i in range(total):
                    if i == total // 2:
                        # a slow stop on a loaded machine must not see the stream end before
                        # the server is down: the second half is written while it is away
                        await server_down.wait()
                    await buffer.submit(
                        Sighting(
                            session.id,
                            people[i % people_count].id,
                            AttendanceStatus.PRESENT,
                            T0 + timedelta(seconds=i),
                            score=(i % 89) / 100,
                        )
                    )
                    submitted += 1
                    await asyncio.sleep(0.002)

            producer = asyncio.create_task(produce())
            await _until(lambda: submitted >= total // 4)
            await own_server.stop()
            stopped_at = submitted  # at most total // 2
            server_down.set()
            await _until(lambda: not buffer.database_available)
            await _until(lambda: submitted >= stopped_at + 100)
            held_while_down = buffer.depth
            await own_server.start()
            await producer
            await buffer.flush()

        rows = (await db.attendance.list_for_session(session.id)).items

    assert held_while_down >= 100
    assert buffer.failed_attempts > 0 and buffer.depth == 0
    assert buffer.written == total and buffer.rejected == 0
    assert sorted(r.sightings for r in rows) == [total // people_count] * people_count
    assert max(r.last_seen for r in rows if r.last_seen) == T0 + timedelta(seconds=total - 1)
    assert min(r.first_seen for r in rows if r.first_seen) == T0
    # later sightings were submitted with later times: landing in submission order, every write
    # moves its person's last_seen forward (a batch overtaken by a later one would not)
    assert all(seen == sorted(set(seen)) for seen in landed.values()) and len(landed) == 5


async def test_a_write_the_database_refuses_is_counted_and_the_others_land(
    classroom: Classroom, db: Database
) -> None:
    written: list[AttendanceUpsert] = []

    async def remember(results: list[AttendanceUpsert]) -> None:
        written.extend(results)

    async with db.write_buffer(on_written=remember) as buffer:
        for person_id in (classroom.student.id, uuid4(), classroom.student.id):
            await buffer.submit(
                Sighting(classroom.session.id, person_id, AttendanceStatus.PRESENT, T0, 0.5)
            )

    record = await db.attendance.get(classroom.session.id, classroom.student.id)
    assert record.sightings == 2
    assert (buffer.written, buffer.rejected) == (2, 1)
    assert {r.record.person_id for r in written} == {classroom.student.id}


async def test_a_full_buffer_holds_the_producer_back_instead_of_dropping() -> None:
    folder = short_temp_dir()  # no server here: every attempt fails as unreachable
    pool = await asyncpg.create_pool(f"postgresql://postgres@/x?host={folder}", min_size=0)
    try:
        buffer = AttendanceWriteBuffer(
            Attendance(pool),
            capacity=3,
            batch_size=1,
            retry_initial_s=0.05,
            shutdown_timeout_s=0.2,
        )
        submit: Callable[[], Awaitable[None]] = lambda: buffer.submit(  # noqa: E731
            Sighting(uuid4(), uuid4(), AttendanceStatus.PRESENT, T0, 0.5)
        )
        async with buffer:
            for _ in range(4):  # one taken by the worker, three queued
                await submit()
            await _until(lambda: buffer.failed_attempts > 0)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(submit(), 0.3)
            assert buffer.depth == 4 == buffer.capacity + 1
    finally:
        await pool.close()
        shutil.rmtree(folder, ignore_errors=True)

    assert buffer.abandoned == 4 and buffer.written == 0
