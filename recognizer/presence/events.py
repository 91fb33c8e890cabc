"""What the presence engine reports after each batch of frames."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

from recognizer.ids import CameraId, PersonId, SessionId

AttendanceStatus = Literal["present", "late"]
BoxLabel = Literal["identified", "voting", "unknown", "other_course", "low_quality"]


@dataclass(frozen=True, slots=True)
class PersonPresent:
    """A roster student seen for the first time in this session (once per person/session).

    `seen_at` is when the student's track first appeared (not before the session start), so
    the time the vote took does not make anyone late; `captured_monotonic` is the capture
    time of the frame that produced the event, for the capture-to-event latency.
    """

    camera_id: CameraId
    session_id: SessionId
    person_id: PersonId
    status: AttendanceStatus
    score: float
    seen_at: datetime
    captured_monotonic: float
    track_id: int


@dataclass(frozen=True, slots=True)
class PersonSeen:
    """A roster student already present is still in the room (at most every seen_refresh_s)."""

    camera_id: CameraId
    session_id: SessionId
    person_id: PersonId
    score: float
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class OtherCourseSeen:
    """An enrolled person who is not on this session's roster (once per person/session)."""

    camera_id: CameraId
    session_id: SessionId
    person_id: PersonId
    score: float
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class UnknownFace:
    """A track that no vote identified: one unknown face (once per track and session;
    a track counted while no session ran is reported again to the session that starts).

    `face` is the track's best aligned face crop (112x112 BGR) when the engine's config keeps
    unknown faces, else None.
    """

    camera_id: CameraId
    session_id: SessionId | None
    track_id: int
    seen_at: datetime
    face: np.ndarray | None = field(default=None, repr=False, compare=False)


PresenceEvent = PersonPresent | PersonSeen | OtherCourseSeen | UnknownFace


@dataclass(frozen=True, slots=True)
class FaceBox:
    """One face on the camera page: where it is and what the engine makes of it."""

    track_id: int
    bbox: tuple[float, float, float, float]  # x1, y1, x2, y2 in frame pixels
    person_id: PersonId | None
    label: BoxLabel


@dataclass(frozen=True, slots=True)
class ProcessStats:
    """Counters of one `process` call, for the service's metrics."""

    frames: int
    faces_detected: int
    embeddings: int
    matched: int  # identify results the decision rule accepted
    unknown: int  # identify results it refused
    detect_seconds: float
    detect_batch: int  # frames in the one detector call
    embed_seconds: float  # the one embedder call
    embed_batch: int  # faces in the one embedder call
    # Where the batch's time went, stage by stage (seconds of wall time): what
    # `rollcall bench pipeline` adds up to name the stage that limits a machine.
    stages: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PresenceUpdate:
    events: list[PresenceEvent]
    boxes: dict[CameraId, list[FaceBox]]  # camera id -> faces of its latest frame in the batch
    stats: ProcessStats
