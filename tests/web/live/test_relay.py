"""Change-feed events to board messages: an attendance upsert says whether the row is a
teacher's decision from its own event, without reading the row again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.events import EventKind
from tests.store.conftest import settled_events
from web.live.hub import EventHub
from web.live.latency import EventLatency
from web.live.people_directory import PeopleDirectory
from web.live.relay import HubRelay
from web.telemetry.metrics import Metrics


async def test_an_upsert_of_a_teachers_decision_reaches_the_board_as_manual(
    db: Database,
) -> None:
    course = await db.courses.create(code="MATH101", name="Calculus")
    room = await db.rooms.create("B-204")
    now = datetime.now(UTC)
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now - timedelta(minutes=5),
        scheduled_end=now + timedelta(hours=1),
    )
    student = await db.people.create(external_id="S-1", display_name="Ada Lovelace")
    await db.courses.enrol(course.id, [student.id])
    seen = Sighting(session.id, student.id, AttendanceStatus.PRESENT, now, 0.8)
    await db.attendance.record(seen)
    await db.attendance.set_status(session.id, student.id, AttendanceStatus.EXCUSED, actor="t")
    await db.attendance.record(Sighting(session.id, student.id, AttendanceStatus.PRESENT, now, 0.9))
    upserts = [e for e in await settled_events(db, 4) if e.kind == EventKind.ATTENDANCE_UPSERTED]
    hub = EventHub()
    board = hub.subscribe(session.id)
    relay = HubRelay(db, hub, PeopleDirectory(db), EventLatency(Metrics()))

    for event in upserts:
        await relay.on_event(event)

    async with asyncio.timeout(5):
        messages = [await anext(board), await anext(board)]
    assert [(m.status, m.manual, m.inserted) for m in messages] == [
        ("present", False, True),
        ("excused", True, False),
    ]
