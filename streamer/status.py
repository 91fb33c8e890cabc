"""What a camera is doing, as reported to the service, its metrics and its pages."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from streamer.ids import CameraId

CameraKind = Literal["url", "file", "webrtc"]


class CameraState(enum.StrEnum):
    CONNECTING = "connecting"  # first connection (or, for a browser camera, awaiting its offer)
    LIVE = "live"  # frames are arriving
    RECONNECTING = "reconnecting"  # lost; retrying with backoff (or awaiting a new offer)
    FAILED = "failed"  # gave up: see last_error
    STOPPED = "stopped"  # removed, shut down, or a non-looping file reached its end


@dataclass(frozen=True, slots=True)
class CameraStatus:
    """A snapshot of one camera. The URL is redacted; rates are over the last seconds."""

    camera_id: CameraId
    kind: CameraKind
    source: str | None  # redacted URL, None for a browser camera
    state: CameraState
    fps_received: float
    fps_handed_out: float
    frames_received: int
    frames_handed_out: int
    frames_dropped: int  # replaced in the slot before any consumer took them
    frames_skipped: int  # received, then left out by the analysis rate (never decoded further)
    last_frame_age_s: float | None  # None until the first frame
    reconnects: int  # times the camera was lost and reconnection began
    last_error: str | None
    # CPU seconds its reader thread spent decoding, and converting admitted frames to BGR
    decode_cpu_s: float = 0.0
    convert_cpu_s: float = 0.0
