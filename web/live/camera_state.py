"""A camera as the service reports it: the stored camera, its streamer status, its session."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from store.camera_leases import CameraReport
from store.cameras import Camera
from streamer.status import CameraState, CameraStatus


@dataclass(frozen=True)
class CameraLiveStatus:
    camera_id: UUID
    name: str
    room_id: UUID | None
    kind: str  # the stored kind: rtsp, webrtc or file
    state: str  # a streamer CameraState value
    analysis_fps: float  # frames handed to the analysis loop per second, lately
    frames_received: int
    frames_dropped: int
    last_frame_age_s: float | None
    error: str | None
    session_id: UUID | None  # the class session open in its room, if any
    holder: str | None = None  # the process that runs it; None while none does

    @classmethod
    def elsewhere(
        cls,
        camera: Camera,
        holder: str | None,
        state: str,
        error: str | None,
        report: CameraReport | None,
        report_age_s: float,
        session_id: UUID | None,
    ) -> CameraLiveStatus:
        """A camera another process runs (`holder`), as it last told the others."""
        age = None
        if report is not None and report.last_frame_age_s is not None:
            age = report.last_frame_age_s + report_age_s
        return cls(
            camera_id=camera.id,
            name=camera.name,
            room_id=camera.room_id,
            kind=camera.kind.value,
            state=state,
            analysis_fps=0.0 if report is None else report.analysis_fps,
            frames_received=0 if report is None else report.frames_received,
            frames_dropped=0 if report is None else report.frames_dropped,
            last_frame_age_s=age,
            error=error,
            session_id=session_id,
            holder=holder,
        )

    @classmethod
    def of(cls, camera: Camera, status: CameraStatus, session_id: UUID | None) -> CameraLiveStatus:
        return cls(
            camera_id=camera.id,
            name=camera.name,
            room_id=camera.room_id,
            kind=camera.kind.value,
            state=status.state.value,
            analysis_fps=status.fps_handed_out,
            frames_received=status.frames_received,
            frames_dropped=status.frames_dropped,
            last_frame_age_s=status.last_frame_age_s,
            error=trouble(status),
            session_id=session_id,
        )

    @classmethod
    def refused(cls, camera: Camera, error: str, session_id: UUID | None) -> CameraLiveStatus:
        """A camera the streamer would not take (its stored URL is unusable)."""
        return cls(
            camera_id=camera.id,
            name=camera.name,
            room_id=camera.room_id,
            kind=camera.kind.value,
            state=CameraState.FAILED.value,
            analysis_fps=0.0,
            frames_received=0,
            frames_dropped=0,
            last_frame_age_s=None,
            error=error,
            session_id=session_id,
        )


def trouble(status: CameraStatus) -> str | None:
    """The error to show: the last one while the camera is down, none once it is live again."""
    return status.last_error if status.state in _DOWN else None


_DOWN = frozenset({CameraState.RECONNECTING, CameraState.FAILED})
