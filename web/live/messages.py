"""Every message the live service sends, as a pydantic model: what the hub fans out, the
WebSocket writes and the camera's feedback channel carries.

The models are the protocol: `SERVER_MESSAGES` is published with /ws in the OpenAPI
document, and the attendance row has one builder per source (an upsert's change-feed
payload, a stored record, a sheet line) instead of dicts made by hand in several places.
Each message is serialised once however many clients receive it (`json_text`).
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, field_serializer

from store.attendance import AttendanceRecord, AttendanceStatus
from store.sessions import ClassSession
from web.domain.sheet import LineStatus, SheetLine
from web.live.camera_state import CameraLiveStatus


class LiveMessage(BaseModel):
    model_config = ConfigDict(frozen=True, ignored_types=(cached_property,))

    type: str  # each message's own Literal: what clients switch on

    @cached_property
    def json_text(self) -> str:
        return self.model_dump_json()


class AttendanceMessage(LiveMessage):
    """A student's row in a session as it is now (absolute state: applying it twice is
    harmless)."""

    type: Literal["attendance"] = "attendance"
    session_id: UUID
    person_id: UUID
    status: AttendanceStatus
    first_seen: datetime | None
    last_seen: datetime | None
    manual: bool
    camera_id: UUID | None
    best_score: float | None
    sightings: int | None
    inserted: bool  # the first row of this student in this session

    @classmethod
    def of_upsert(cls, payload: dict[str, Any]) -> AttendanceMessage:
        """From the attendance upsert's change-feed payload (JSON: ids and times as text)."""
        return cls(
            session_id=payload["session_id"],
            person_id=payload["person_id"],
            status=payload["status"],
            first_seen=payload.get("first_seen"),
            last_seen=payload.get("last_seen"),
            # older payloads leave it out; a row its sighting created is never a teacher's
            manual=bool(payload.get("manual", False)),
            camera_id=payload.get("camera_id"),
            best_score=payload.get("best_score"),
            sightings=payload.get("sightings"),
            inserted=bool(payload["inserted"]),
        )

    @classmethod
    def of_record(cls, record: AttendanceRecord) -> AttendanceMessage:
        assert record.person_id is not None  # callers skip erased people's rows
        return cls(
            session_id=record.session_id,
            person_id=record.person_id,
            status=record.status,
            first_seen=record.first_seen,
            last_seen=record.last_seen,
            manual=record.manual,
            camera_id=record.camera_id,
            best_score=record.best_score,
            sightings=record.sightings,
            inserted=False,
        )


class UnknownFaceMessage(LiveMessage):
    type: Literal["unknown_face"] = "unknown_face"
    session_id: UUID
    camera_id: UUID
    count: int  # unknown faces of the session this process has heard of


class OtherCourseMessage(LiveMessage):
    """An enrolled person seen in this session's room who is not on its roster."""

    type: Literal["other_course"] = "other_course"
    session_id: UUID
    camera_id: UUID
    person_id: UUID
    display_name: str | None


class SessionMessage(LiveMessage):
    """The session changed (its status, or absentees marked): read the snapshot again."""

    type: Literal["session"] = "session"
    session_id: UUID
    change: Literal["status", "absentees"]
    status: str | None = None
    absent: int | None = None


class CameraStatusMessage(LiveMessage):
    type: Literal["camera_status"] = "camera_status"
    camera_id: UUID
    state: str
    error: str | None


class FaceBoxOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    bbox: tuple[float, float, float, float]  # x1, y1, x2, y2 in the frame's pixels
    label: str | None  # the person's name, when known
    state: str  # what the engine thinks of the face so far

    @field_serializer("bbox")
    def _tenths(self, bbox: tuple[float, float, float, float]) -> list[float]:
        return [round(value, 1) for value in bbox]  # a tenth of a pixel is plenty to draw


class FacesMessage(LiveMessage):
    """The boxes of one camera's latest analysed frame (to its watchers only)."""

    type: Literal["faces"] = "faces"
    camera_id: UUID
    boxes: list[FaceBoxOut]
    width: int
    height: int


class PreviewMessage(LiveMessage):
    """One frame of a camera's live view: a small JPEG of a frame the analysis took, with
    that frame's face boxes in the JPEG's pixels. It exists only on its way to the viewers
    watching at the time (`web.live.live_views`): never written to disk, the database or a
    log."""

    type: Literal["preview"] = "preview"
    camera_id: UUID
    captured_at: datetime
    width: int  # the JPEG's pixels
    height: int
    jpeg: str  # base64
    boxes: list[FaceBoxOut]

    @cached_property
    def ndjson_line(self) -> bytes:
        """The message as one line of the live view's stream, made once for every viewer."""
        return self.json_text.encode() + b"\n"


class SnapshotRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    person_id: UUID
    external_id: str
    display_name: str
    status: LineStatus
    first_seen: datetime | None
    last_seen: datetime | None
    manual: bool
    # a portrait is served at /api/people/{person_id}/portrait
    portrait: bool = False

    @classmethod
    def of_line(cls, line: SheetLine, *, portrait: bool = False) -> SnapshotRow:
        person, record = line.person, line.record
        assert person is not None  # roster lines always have their person
        return cls(
            person_id=person.id,
            external_id=person.external_id,
            display_name=person.display_name,
            status=line.status,
            first_seen=None if record is None else record.first_seen,
            last_seen=None if record is None else record.last_seen,
            manual=False if record is None else record.manual,
            portrait=portrait,
        )


class SnapshotMessage(LiveMessage):
    """Where a new subscriber starts: the session by the sheet's rule, then events."""

    type: Literal["snapshot"] = "snapshot"
    session: ClassSession | None
    attendance: list[SnapshotRow]
    counts: dict[str, int]
    unknown_faces: int
    cameras: list[CameraLiveStatus]


class PongMessage(LiveMessage):
    type: Literal["pong"] = "pong"


class OverflowMessage(LiveMessage):
    """The client fell behind; it is closed next."""

    type: Literal["overflow"] = "overflow"


class ErrorMessage(LiveMessage):
    type: Literal["error"] = "error"
    code: str
    message: str


SERVER_MESSAGES: tuple[type[LiveMessage], ...] = (
    SnapshotMessage,
    AttendanceMessage,
    UnknownFaceMessage,
    OtherCourseMessage,
    SessionMessage,
    CameraStatusMessage,
    FacesMessage,
    PongMessage,
    OverflowMessage,
    ErrorMessage,
)
