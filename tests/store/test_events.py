"""Publishing an event that announces no stored change: listeners hear it like any other."""

from __future__ import annotations

import asyncio

from store.database import Database
from store.events import EventKind
from tests.store.conftest import settled_events


async def test_a_published_event_reaches_the_change_feed_with_its_payload(db: Database) -> None:
    async with db.change_feed() as feed:
        await db.events.publish(
            EventKind.CAMERA_STATUS, {"camera_id": "front", "state": "live", "error": None}
        )
        event = await asyncio.wait_for(anext(feed), 10.0)
    assert event.kind == "camera.status"
    assert event.payload == {"camera_id": "front", "state": "live", "error": None}


async def test_published_events_are_stored_in_the_outbox_in_order(db: Database) -> None:
    await db.events.publish(EventKind.PRESENCE_UNKNOWN_FACE, {"session_id": "s", "n": 1})
    await db.events.publish(EventKind.PRESENCE_OTHER_COURSE, {"session_id": "s", "n": 2})
    events = await settled_events(db, 2)
    assert [(e.kind, e.payload["n"]) for e in events] == [
        ("presence.unknown_face", 1),
        ("presence.other_course", 2),
    ]
