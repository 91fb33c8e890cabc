"""The live protocol is a set of pydantic models: one builder per source of an attendance row
(they agree), every message published with /ws in the OpenAPI document, each serialised once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from aiohttp.test_utils import TestClient

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.events import EventCursor, EventKind
from tests.web.conftest import SignedIn
from web.live.messages import (
    SERVER_MESSAGES,
    AttendanceMessage,
    FaceBoxOut,
    FacesMessage,
)

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_an_upserts_event_and_the_stored_row_make_the_same_attendance_message(
    db: Database,
) -> None:
    course = await db.courses.create(code="GEO1", name="Geography")
    room = await db.rooms.create("G-1")
    person = await db.people.create(external_id="g1", display_name="Gil")
    await db.courses.enrol(course.id, [person.id])
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=START,
        scheduled_end=START + timedelta(hours=1),
    )
    for minute in (1, 4):
        await db.attendance.record(
            Sighting(
                session_id=session.id,
                person_id=person.id,
                status=AttendanceStatus.PRESENT,
                seen_at=START + timedelta(minutes=minute),
                score=minute / 8,  # exact in the float4 column, as in its JSON
            )
        )
    events = await db.events.read_after(EventCursor(0, 0))
    upserts = [e for e in events if e.kind == EventKind.ATTENDANCE_UPSERTED]
    latest = AttendanceMessage.of_upsert(upserts[-1].payload)
    stored = AttendanceMessage.of_record(await db.attendance.get(session.id, person.id))

    # the same row by either way, but for whether this write created it
    assert latest.model_copy(update={"inserted": False}) == stored
    assert [AttendanceMessage.of_upsert(e.payload).inserted for e in upserts] == [True, False]


def test_a_message_is_serialised_once_however_many_clients_get_it() -> None:
    box = FaceBoxOut(bbox=(10.04, 20.0, 60.55, 90.0), label=None, state="unknown")
    message = FacesMessage(camera_id=uuid4(), boxes=[box], width=640, height=480)
    assert message.json_text is message.json_text
    assert json.loads(message.json_text)["boxes"][0]["bbox"] == [10.0, 20.0, 60.5, 90.0]


async def test_every_message_of_the_live_protocol_is_in_the_openapi_document(
    api: TestClient, teacher: SignedIn
) -> None:
    document = await (await api.get("/api/openapi.json", headers=teacher.headers)).json()
    protocol = document["paths"]["/ws"]["get"]["x-rollcall-messages"]
    named = {
        side: {ref["$ref"].rsplit("/", 1)[1] for ref in refs} for side, refs in protocol.items()
    }
    assert named["client"] == {"AuthMessage", "SubscribeMessage", "PingMessage"}
    assert named["server"] == {model.__name__ for model in SERVER_MESSAGES}
    schemas = document["components"]["schemas"]
    assert schemas["AttendanceMessage"]["properties"]["type"]["const"] == "attendance"
    assert "SnapshotRow" in schemas  # what a snapshot's rows hold, by reference
