"""The board's snapshot says whom no camera can mark, and why: no recorded consent, no face
template of the service's model pack, or a course with recognition off (then the snapshot
says so as a whole)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from aiohttp.test_utils import TestClient

from recognizer.analyzer import FaceAnalyzer
from store.database import Database
from tests.web.conftest import SignedIn
from web.app import build_app
from web.http.services import Services

CONSENTED = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture
async def live_api(aiohttp_client: Any, live_services: Services) -> TestClient:
    return await aiohttp_client(build_app(live_services))


async def _snapshot(api: TestClient, teacher: SignedIn, session_id: object) -> dict[str, Any]:
    async with api.ws_connect("/ws", headers=teacher.headers) as ws:
        await ws.send_json({"type": "subscribe", "session_id": str(session_id)})
        async with asyncio.timeout(15):
            while True:
                message = await ws.receive_json()
                if message["type"] == "snapshot":
                    return message


async def test_the_snapshot_marks_the_students_no_camera_can_mark_and_why(
    live_api: TestClient, teacher: SignedIn, db: Database, analyzer: FaceAnalyzer
) -> None:
    course = await db.courses.create(code="BIO-1", name="Biology")
    enrolled = await db.people.create(
        external_id="s-1", display_name="Enrolled", consent_at=CONSENTED
    )
    unasked = await db.people.create(external_id="s-2", display_name="No consent")
    no_photo = await db.people.create(
        external_id="s-3", display_name="No photo", consent_at=CONSENTED
    )
    other_pack = await db.people.create(
        external_id="s-4", display_name="Other pack", consent_at=CONSENTED
    )
    vector = np.ones(analyzer.embedding_dim, np.float32)
    await db.templates.add(enrolled.id, vector, model_pack=analyzer.pack_name)
    await db.templates.add(other_pack.id, vector, model_pack="some-other-pack")
    await db.courses.enrol(course.id, [enrolled.id, unasked.id, no_photo.id, other_pack.id])
    room = await db.rooms.create("Lab 2")
    now = datetime.now(UTC)
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now - timedelta(minutes=5),
        scheduled_end=now + timedelta(hours=1),
    )

    snapshot = await _snapshot(live_api, teacher, session.id)
    reasons = {row["display_name"]: row["manual_only"] for row in snapshot["attendance"]}
    assert snapshot["recognition"] is True
    assert reasons == {
        "Enrolled": None,
        "No consent": "no_consent",
        "No photo": "no_face_data",
        "Other pack": "no_face_data",
    }

    await db.courses.update(course.id, recognition=False)
    snapshot = await _snapshot(live_api, teacher, session.id)
    assert snapshot["recognition"] is False
    assert {row["manual_only"] for row in snapshot["attendance"]} == {"recognition_off"}
