"""The one interface every kind of camera implements, and what it delivers into."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol

from streamer.frame import Frame
from streamer.ids import CameraId
from streamer.status import CameraState


class FrameSink(Protocol):
    """Where a source delivers; safe to call from the source's worker thread."""

    def admit(self, monotonic: float) -> int | None:
        """Count a decoded frame; return its sequence number if it is to be handed out,
        None if the analysis rate skips it (so the source need not convert it)."""
        ...

    def publish(self, frame: Frame) -> None:
        """Hand out an admitted frame (newest frame wins)."""
        ...

    def set_state(self, state: CameraState, error: str | None = None) -> None:
        """Report the camera's state; `error` (already redacted) becomes its last error."""
        ...

    def spend(self, decode_s: float, convert_s: float) -> None:
        """Add the reader's CPU time: decoding, and converting admitted frames."""
        ...


class FrameSource(ABC):
    """A camera: produces frames into a sink until cancelled or it ends for good.

    `run` never raises for camera faults (refused connections, broken streams, timeouts):
    it turns them into states and retries where that makes sense. Cancelling the task
    running `run` stops the source and waits for its worker thread or peer to be gone.
    """

    def __init__(self, camera_id: CameraId) -> None:
        self.camera_id = camera_id

    @abstractmethod
    async def run(self, sink: FrameSink) -> None: ...
