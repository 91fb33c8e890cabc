"""One camera's output: its analysis rate, newest-frame slot, counters and state."""

from __future__ import annotations

import logging
import threading
import time

from streamer.fps_meter import FpsMeter
from streamer.frame import Frame
from streamer.ids import CameraId
from streamer.latest_slot import LatestSlot
from streamer.rate import RateLimiter
from streamer.status import CameraKind, CameraState, CameraStatus

logger = logging.getLogger(__name__)


class CameraFeed:
    """What consumers hold for a camera: `await feed.get()` returns its newest frame.

    It is also the FrameSink its source delivers into (from a worker thread), and it
    outlives a change of the camera's source, so consumers keep their feed across changes.
    """

    def __init__(
        self,
        camera_id: CameraId,
        kind: CameraKind,
        source: str | None,
        analysis_fps: float | None,
    ) -> None:
        self.camera_id = camera_id
        self._lock = threading.Lock()
        self._slot = LatestSlot()
        self._kind = kind
        self._source = source
        self._limiter = RateLimiter(analysis_fps)
        self._received_meter = FpsMeter()
        self._handed_meter = FpsMeter()
        self._received = 0
        self._skipped = 0
        self._last_frame_monotonic: float | None = None
        self._state = CameraState.CONNECTING
        self._reconnects = 0
        self._last_error: str | None = None
        self._decode_cpu_s = 0.0
        self._convert_cpu_s = 0.0

    # -- consumer side ------------------------------------------------------------------

    async def get(self) -> Frame:
        """The newest frame not yet handed out, waiting for one if need be.

        Bound the wait with `asyncio.timeout`; raises CameraClosed once the camera is removed.
        """
        frame = await self._slot.get()
        with self._lock:
            self._handed_meter.tick(time.monotonic())
        return frame

    async def wait_filled(self) -> None:
        """Wait until a frame waits to be handed out, taking nothing; raises CameraClosed
        once the camera is removed."""
        await self._slot.wait_filled()

    def peek(self) -> Frame | None:
        """The frame waiting to be handed out, if any, without taking it."""
        return self._slot.peek()

    @property
    def state(self) -> CameraState:
        return self._state

    def status(self) -> CameraStatus:
        now = time.monotonic()
        with self._lock:
            last = self._last_frame_monotonic
            return CameraStatus(
                camera_id=self.camera_id,
                kind=self._kind,
                source=self._source,
                state=self._state,
                fps_received=round(self._received_meter.fps(now), 2),
                fps_handed_out=round(self._handed_meter.fps(now), 2),
                frames_received=self._received,
                frames_handed_out=self._slot.taken,
                frames_dropped=self._slot.dropped,
                frames_skipped=self._skipped,
                last_frame_age_s=None if last is None else round(now - last, 3),
                reconnects=self._reconnects,
                last_error=self._last_error,
                decode_cpu_s=round(self._decode_cpu_s, 4),
                convert_cpu_s=round(self._convert_cpu_s, 4),
            )

    # -- source side (FrameSink) --------------------------------------------------------

    def admit(self, monotonic: float) -> int | None:
        with self._lock:
            self._received += 1
            self._last_frame_monotonic = monotonic
            self._received_meter.tick(monotonic)
            if self._limiter.allow(monotonic):
                return self._received
            self._skipped += 1
            return None

    def publish(self, frame: Frame) -> None:
        self._slot.put(frame)

    def spend(self, decode_s: float, convert_s: float) -> None:
        with self._lock:
            self._decode_cpu_s += decode_s
            self._convert_cpu_s += convert_s

    def set_state(self, state: CameraState, error: str | None = None) -> None:
        with self._lock:
            previous = self._state
            if state is CameraState.RECONNECTING and previous is not CameraState.RECONNECTING:
                self._reconnects += 1
            self._state = state
            if error is not None:
                self._last_error = error
        if state is not previous:
            level = logging.WARNING if state in _TROUBLE else logging.INFO
            logger.log(
                level,
                "camera %s: %s -> %s%s",
                self.camera_id,
                previous.value,
                state.value,
                f" ({error})" if error else "",
                extra={"camera_id": self.camera_id, "state": state.value, "error": error},
            )

    # -- supervisor side ----------------------------------------------------------------

    def reconfigure(self, kind: CameraKind, source: str | None, analysis_fps: float | None) -> None:
        """Point the feed at a changed camera; counters carry on, state starts over."""
        with self._lock:
            self._kind = kind
            self._source = source
            self._limiter = RateLimiter(analysis_fps)
            self._state = CameraState.CONNECTING
            self._last_error = None

    def close(self) -> None:
        """Stop handing out frames; waiting consumers get CameraClosed."""
        self.set_state(CameraState.STOPPED)
        self._slot.close()


_TROUBLE = frozenset({CameraState.RECONNECTING, CameraState.FAILED})
