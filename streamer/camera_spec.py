"""What a camera is: its id and where its frames come from."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from streamer.errors import InvalidCameraSpec
from streamer.ids import CameraId
from streamer.status import CameraKind
from streamer.url import CameraUrl, parse_camera_url


@dataclass(frozen=True)
class CameraSpec:
    """A camera to supervise.

    `url=None` means a browser camera: its frames arrive over WebRTC once the browser's
    offer is answered. Otherwise an rtsp(s)/http(s) URL or a file (path or file:// URL).
    `loop` and `realtime` apply to files; `analysis_fps` overrides the configured rate.

    A dataclass rather than a pydantic model on purpose: pydantic's validation errors echo
    the input, which would put a URL's password into error messages.
    """

    camera_id: CameraId
    url: str | None = field(default=None, repr=False)
    loop: bool = False
    realtime: bool = True
    analysis_fps: float | None = None
    parsed_url: CameraUrl | None = field(init=False, default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.camera_id, UUID):
            raise InvalidCameraSpec(
                f"camera_id must be a UUID, not {type(self.camera_id).__name__}"
            )
        if self.analysis_fps is not None and not 0 < self.analysis_fps <= 120:
            raise InvalidCameraSpec("analysis_fps must be in (0, 120]")
        if self.url is not None:
            object.__setattr__(self, "parsed_url", parse_camera_url(self.url))

    @property
    def kind(self) -> CameraKind:
        """'webrtc' for a browser camera, 'file' for a file, 'url' for a network stream."""
        if self.parsed_url is None:
            return "webrtc"
        return "file" if self.parsed_url.is_file else "url"

    @property
    def redacted_url(self) -> str | None:
        return None if self.parsed_url is None else self.parsed_url.redacted

    def __repr__(self) -> str:
        return (
            f"CameraSpec(camera_id={self.camera_id!r}, url={self.redacted_url!r}, "
            f"loop={self.loop}, realtime={self.realtime}, analysis_fps={self.analysis_fps})"
        )
