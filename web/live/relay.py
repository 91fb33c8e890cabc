"""Change-feed events of every process, turned into the hub's WebSocket messages."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any
from uuid import UUID

from store.database import Database
from store.errors import NotFound
from store.events import Event, EventKind
from web.live.hub import EventHub, Message
from web.live.latency import EventLatency
from web.live.people import PeopleDirectory

logger = logging.getLogger(__name__)


class HubRelay:
    """Attendance rows, unknown faces, other-course sightings, session changes and camera
    states, as messages for the boards: every process hears every event, so a board
    connected anywhere sees what any process's cameras saw."""

    def __init__(
        self,
        database: Database,
        hub: EventHub,
        people: PeopleDirectory,
        latency: EventLatency,
    ) -> None:
        self._database = database
        self._hub = hub
        self._people = people
        self._latency = latency
        self._unknown_faces: Counter[str] = Counter()  # session id -> faces heard of

    def unknown_faces(self, session_id: UUID) -> int:
        """Unknown faces reported in the session since this process started listening."""
        return self._unknown_faces[str(session_id)]

    async def on_event(self, event: Event) -> None:
        message = await self._message(event.kind, event.payload)
        if message is None:
            return
        await self._hub.publish(message)
        if message["type"] == "attendance" and message["inserted"]:
            self._latency.sent(UUID(message["session_id"]), UUID(message["person_id"]))

    async def _message(self, kind: str, payload: dict[str, Any]) -> Message | None:
        match kind:
            case EventKind.ATTENDANCE_UPSERTED:
                if payload.get("person_id") is None:
                    return None
                # events written before the payload carried `manual` were of sightings, which
                # a teacher's decision outlives: count those as the sighting's own
                manual = bool(payload.get("manual", False))
                return {"type": "attendance", **_attendance_fields(payload), "manual": manual}
            case EventKind.ATTENDANCE_CHANGED:
                return await self._changed(payload)
            case EventKind.PRESENCE_UNKNOWN_FACE:
                session_id = payload["session_id"]
                self._unknown_faces[session_id] += 1
                return {
                    "type": "unknown_face",
                    "session_id": session_id,
                    "camera_id": payload["camera_id"],
                    "count": self._unknown_faces[session_id],
                }
            case EventKind.PRESENCE_OTHER_COURSE:
                person_id = UUID(payload["person_id"])
                await self._people.ensure([person_id])
                return {
                    "type": "other_course",
                    "session_id": payload["session_id"],
                    "camera_id": payload["camera_id"],
                    "person_id": payload["person_id"],
                    "display_name": self._people.name(person_id),
                }
            case EventKind.SESSION_CHANGED:
                # a board re-reads its snapshot: the state shown and who may be seen change
                return {
                    "type": "session",
                    "session_id": payload["session_id"],
                    "change": "status",
                    "status": payload.get("status"),
                }
            case EventKind.ABSENTEES_MARKED:
                return {
                    "type": "session",
                    "session_id": payload["session_id"],
                    "change": "absentees",
                    "absent": payload.get("absent"),
                }
            case EventKind.CAMERA_STATUS:
                return {
                    "type": "camera_status",
                    "camera_id": payload["camera_id"],
                    "state": payload["state"],
                    "error": payload.get("error"),
                }
        return None

    async def _changed(self, payload: dict[str, Any]) -> Message | None:
        """A teacher's decision: the whole row as it is now."""
        try:
            record = await self._database.attendance.get(
                UUID(payload["session_id"]), UUID(payload["person_id"])
            )
        except NotFound:
            return None
        return {
            "type": "attendance",
            "session_id": str(record.session_id),
            "person_id": str(record.person_id),
            "status": record.status.value,
            "first_seen": _iso(record.first_seen),
            "last_seen": _iso(record.last_seen),
            "manual": record.manual,
            "camera_id": None if record.camera_id is None else str(record.camera_id),
            "best_score": record.best_score,
            "sightings": record.sightings,
            "inserted": False,
        }


def _attendance_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """The upsert's event payload (JSON already: ids and times are strings)."""
    return {
        "session_id": payload["session_id"],
        "person_id": payload["person_id"],
        "status": payload["status"],
        "first_seen": payload.get("first_seen"),
        "last_seen": payload.get("last_seen"),
        "camera_id": payload.get("camera_id"),
        "best_score": payload.get("best_score"),
        "sightings": payload.get("sightings"),
        "inserted": bool(payload["inserted"]),
    }


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
