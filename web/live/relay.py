"""Change-feed events of every process, turned into the hub's WebSocket messages."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any
from uuid import UUID

from store.database import Database
from store.errors import NotFound
from store.events import Event, EventKind
from web.live.hub import EventHub
from web.live.latency import EventLatency
from web.live.messages import (
    AttendanceMessage,
    CameraStatusMessage,
    LiveMessage,
    OtherCourseMessage,
    SessionMessage,
    UnknownFaceMessage,
)
from web.live.people_directory import PeopleDirectory

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
        self._unknown_faces: Counter[UUID] = Counter()  # session id -> faces heard of

    def unknown_faces(self, session_id: UUID) -> int:
        """Unknown faces reported in the session since this process started listening."""
        return self._unknown_faces[session_id]

    async def on_event(self, event: Event) -> None:
        message = await self._message(event.kind, event.payload)
        if message is None:
            return
        await self._hub.publish(message)
        if isinstance(message, AttendanceMessage) and message.inserted:
            self._latency.sent(message.session_id, message.person_id)

    async def _message(self, kind: str, payload: dict[str, Any]) -> LiveMessage | None:
        match kind:
            case EventKind.ATTENDANCE_UPSERTED:
                if payload.get("person_id") is None:
                    return None
                if "manual" not in payload and not payload["inserted"]:
                    # a payload of a process from before upserts said it: the row tells
                    payload = {**payload, "manual": await self._manual(payload)}
                return AttendanceMessage.of_upsert(payload)
            case EventKind.ATTENDANCE_CHANGED:
                return await self._changed(payload)
            case EventKind.PRESENCE_UNKNOWN_FACE:
                session_id = UUID(payload["session_id"])
                self._unknown_faces[session_id] += 1
                return UnknownFaceMessage(
                    session_id=session_id,
                    camera_id=payload["camera_id"],
                    count=self._unknown_faces[session_id],
                )
            case EventKind.PRESENCE_OTHER_COURSE:
                person_id = UUID(payload["person_id"])
                await self._people.ensure([person_id])
                return OtherCourseMessage(
                    session_id=payload["session_id"],
                    camera_id=payload["camera_id"],
                    person_id=person_id,
                    display_name=self._people.name(person_id),
                )
            case EventKind.SESSION_CHANGED:
                # a board re-reads its snapshot: the state shown and who may be seen change
                return SessionMessage(
                    session_id=payload["session_id"], change="status", status=payload.get("status")
                )
            case EventKind.ABSENTEES_MARKED:
                return SessionMessage(
                    session_id=payload["session_id"],
                    change="absentees",
                    absent=payload.get("absent"),
                )
            case EventKind.CAMERA_STATUS:
                return CameraStatusMessage(
                    camera_id=payload["camera_id"],
                    state=payload["state"],
                    error=payload.get("error"),
                )
        return None

    async def _manual(self, payload: dict[str, Any]) -> bool:
        try:
            record = await self._database.attendance.get(
                UUID(payload["session_id"]), UUID(payload["person_id"])
            )
        except NotFound:
            return False
        return record.manual

    async def _changed(self, payload: dict[str, Any]) -> AttendanceMessage | None:
        """A teacher's decision: the whole row as it is now."""
        try:
            record = await self._database.attendance.get(
                UUID(payload["session_id"]), UUID(payload["person_id"])
            )
        except NotFound:
            return None
        return AttendanceMessage.of_record(record)
