"""Store test fixtures: one PostgreSQL per session, a clean database per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from store.audit import AuditEntry
from store.cameras import Camera, CameraKind
from store.config import StoreConfig
from store.courses import Course
from store.database import Database
from store.events import Event, EventCursor
from store.people import Person
from store.rooms import Room
from store.sessions import ClassSession
from tests.postgres_fixtures import PostgresForTests


@pytest.fixture
async def database_url(postgres: PostgresForTests) -> AsyncIterator[str]:
    """A freshly migrated database of its own for this test."""
    url = await postgres.create_database()
    yield url
    await postgres.drop_database(url)


@pytest.fixture
def store_config(database_url: str) -> StoreConfig:
    return StoreConfig(database_url=database_url, retry_initial_s=0.05, retry_max_s=0.5)


@pytest.fixture
async def db(store_config: StoreConfig, database_url: str) -> AsyncIterator[Database]:
    async with Database.connect(database_url, store_config) as database:
        yield database


@dataclass(frozen=True)
class Classroom:
    """A course with one enrolled student (who consented to face recognition), a room with a
    camera, and a session running now."""

    course: Course
    room: Room
    camera: Camera
    session: ClassSession
    student: Person


@pytest.fixture
async def classroom(db: Database) -> Classroom:
    course = await db.courses.create(code="MATH101", name="Calculus")
    room = await db.rooms.create("B-204")
    camera = (
        await db.cameras.create(name="front", kind=CameraKind.FILE, url="/v.mp4", room_id=room.id)
    ).camera
    now = datetime.now(UTC)
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now - timedelta(minutes=5),
        scheduled_end=now + timedelta(hours=1),
    )
    student = await db.people.create(
        external_id="S-0001", display_name="Ada Lovelace", consent_at=now - timedelta(days=30)
    )
    await db.courses.enrol(course.id, [student.id])
    return Classroom(course, room, camera, session, student)


async def settled_events(db: Database, count: int) -> list[Event]:
    """Every event of the database, once at least `count` can be read.

    The outbox hands an event out only when no older transaction anywhere on the server (an
    autovacuum ANALYZE in another database included) is still running, so right after a commit
    a read may briefly come up short.
    """
    for _ in range(1000):  # 10 s at most
        events = await db.events.read_after(EventCursor(0, 0))
        if len(events) >= count:
            return events
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected at least {count} events, found {len(events)}")


async def audit_trail(db: Database) -> list[AuditEntry]:
    """Every audit entry of the database, newest first."""
    return list((await db.audit.list(limit=1000)).items)


async def audited_since(db: Database, before: list[AuditEntry]) -> list[tuple[str, str, dict]]:
    """(actor, action, details) of each entry written since `before` was read, newest first."""
    known = {entry.id for entry in before}
    return [(e.actor, e.action, e.details) for e in await audit_trail(db) if e.id not in known]
