"""Network cameras (RTSP, HTTP) through PyAV: a reader thread, time-outs, reconnection."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass

import av

from streamer.backoff import Backoff
from streamer.config import StreamerConfig
from streamer.decode import describe_error, to_bgr
from streamer.frame import Frame
from streamer.ids import CameraId
from streamer.source import FrameSink, FrameSource
from streamer.status import CameraState
from streamer.url import CameraUrl
from streamer.worker import run_in_thread

logger = logging.getLogger(__name__)

END_OF_STREAM = "end of stream"


@dataclass(frozen=True, slots=True)
class SessionOutcome:
    """How one connection ended: frames it delivered, and why it ended (None: stopped)."""

    frames: int
    error: str | None


class PyAvSource(FrameSource):
    """Reads a live URL; any end (error, time-out, end of stream) is a disconnect.

    Reconnects with capped exponential backoff and jitter, forever unless
    `max_failed_attempts` consecutive connections deliver no frame, then FAILED.
    """

    def __init__(self, camera_id: CameraId, url: CameraUrl, config: StreamerConfig) -> None:
        super().__init__(camera_id)
        self._url = url
        self._config = config

    async def run(self, sink: FrameSink) -> None:
        config = self._config
        backoff = Backoff(
            config.backoff_initial_s,
            config.backoff_max_s,
            config.backoff_multiplier,
            config.backoff_jitter,
        )
        failures = 0
        sink.set_state(CameraState.CONNECTING)
        while True:
            outcome = await run_in_thread(
                lambda stop: self._session(sink, stop), name=f"streamer-{self.camera_id}"
            )
            if outcome.frames:
                backoff.reset()
                failures = 0
            else:
                failures += 1
            error = outcome.error or END_OF_STREAM
            if config.max_failed_attempts is not None and failures >= config.max_failed_attempts:
                sink.set_state(CameraState.FAILED, f"gave up after {failures} attempts: {error}")
                return
            sink.set_state(CameraState.RECONNECTING, error)
            await asyncio.sleep(backoff.next_delay())

    def _session(self, sink: FrameSink, stop: threading.Event) -> SessionOutcome:
        """One connection, on the reader thread: open, decode until it ends or `stop`."""
        config = self._config
        started = time.monotonic()
        try:
            container = av.open(
                self._url.raw,
                options=self._options(),
                timeout=(config.open_timeout_s, config.read_timeout_s),
            )
        except av.ExitError:  # FFmpeg's interrupt: PyAV's open time-out fired
            return SessionOutcome(0, f"timed out: no answer within {config.open_timeout_s:g} s")
        except (av.FFmpegError, OSError) as exc:
            error = describe_error(exc, self._url)
            if time.monotonic() - started >= config.read_timeout_s:
                # FFmpeg's RTSP handshake reports a reply that never came (its socket
                # time-out) as "Invalid data": say what happened, keep FFmpeg's words.
                error = f"timed out: no answer within {config.read_timeout_s:g} s ({error})"
            return SessionOutcome(0, error)
        frames = 0
        try:
            if not container.streams.video:
                return SessionOutcome(0, "the stream has no video")
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if stop.is_set():
                    return SessionOutcome(frames, None)
                before_decode = time.thread_time()
                try:
                    decoded = packet.decode()
                except av.InvalidDataError:
                    continue  # one damaged packet; the next keyframe recovers
                decoded_at = time.thread_time()
                for picture in decoded:
                    now = time.monotonic()
                    seq = sink.admit(now)
                    if frames == 0:
                        sink.set_state(CameraState.LIVE)
                    frames += 1
                    if seq is not None:
                        image = to_bgr(picture, config.downscale_width)
                        sink.publish(Frame(self.camera_id, image, seq, time.time(), now))
                sink.spend(decoded_at - before_decode, time.thread_time() - decoded_at)
            return SessionOutcome(frames, END_OF_STREAM)
        except av.ExitError:  # PyAV's read time-out fired
            return SessionOutcome(frames, f"timed out: no data for {config.read_timeout_s:g} s")
        except (av.FFmpegError, OSError) as exc:
            return SessionOutcome(frames, describe_error(exc, self._url))
        finally:
            container.close()

    def _options(self) -> dict[str, str]:
        config = self._config
        options = {
            # FFmpeg's socket time-out, in microseconds (FFmpeg 8 ignores the old `stimeout`).
            "timeout": str(int(config.read_timeout_s * 1_000_000)),
            "fflags": "nobuffer",
            "flags": "low_delay",
            "probesize": str(config.probe_size_bytes),
            "analyzeduration": str(int(config.analyze_duration_s * 1_000_000)),
        }
        if self._url.scheme in ("rtsp", "rtsps"):
            options["rtsp_transport"] = config.rtsp_transport
        return options
