"""Video files as cameras, for demos, tests and benchmarks: optional looping and pacing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import av

from streamer.config import StreamerConfig
from streamer.decode import describe_error, to_bgr
from streamer.frame import Frame
from streamer.ids import CameraId
from streamer.source import FrameSink, FrameSource
from streamer.status import CameraState
from streamer.url import CameraUrl
from streamer.worker import run_in_thread

# Fall this far behind real time (slow decoding) and pacing restarts instead of bursting.
MAX_LAG_S = 1.0


class FileSource(FrameSource):
    """Plays a file once (then STOPPED) or in a loop; `realtime` paces frames by their
    timestamps like a camera would, otherwise frames come as fast as they decode."""

    def __init__(
        self,
        camera_id: CameraId,
        url: CameraUrl,
        config: StreamerConfig,
        loop: bool,
        realtime: bool,
    ) -> None:
        super().__init__(camera_id)
        self._url = url
        self._path: Path = url.path
        self._config = config
        self._loop = loop
        self._realtime = realtime

    async def run(self, sink: FrameSink) -> None:
        sink.set_state(CameraState.CONNECTING)
        if not self._path.is_file():
            sink.set_state(CameraState.FAILED, f"file not found: {self._url.redacted}")
            return
        error = await run_in_thread(
            lambda stop: self._play(sink, stop), name=f"streamer-{self.camera_id}"
        )
        if error is not None:
            sink.set_state(CameraState.FAILED, error)
        else:
            sink.set_state(CameraState.STOPPED)

    def _play(self, sink: FrameSink, stop: threading.Event) -> str | None:
        """Decode on the reader thread; returns an error, or None once done or stopped."""
        anchor: float | None = None  # monotonic time at which the pass's timestamp 0 plays
        live = False
        try:
            while not stop.is_set():
                with av.open(str(self._path)) as container:
                    if not container.streams.video:
                        return "the file has no video"
                    stream = container.streams.video[0]
                    interval = 1.0 / float(stream.average_rate or 25)
                    first: float | None = None
                    offset = 0.0
                    cpu_mark = time.thread_time()
                    for index, picture in enumerate(container.decode(stream)):
                        decoded_at = time.thread_time()
                        if stop.is_set():
                            return None
                        stamp = picture.time if picture.time is not None else index * interval
                        first = stamp if first is None else first
                        offset = stamp - first
                        if self._realtime:
                            now = time.monotonic()
                            if anchor is None or now - (anchor + offset) > MAX_LAG_S:
                                anchor = now - offset
                            if stop.wait(max(0.0, anchor + offset - now)):
                                return None
                        now = time.monotonic()
                        seq = sink.admit(now)
                        if not live:
                            sink.set_state(CameraState.LIVE)
                            live = True
                        if seq is not None:
                            image = to_bgr(picture, self._config.downscale_width)
                            sink.publish(Frame(self.camera_id, image, seq, time.time(), now))
                        cpu_mark = _spent(sink, cpu_mark, decoded_at)
                    if first is None:
                        return "the file has no decodable video frames"
                if not self._loop:
                    return None
                if anchor is not None:
                    anchor += offset + interval  # the next pass follows on without a gap
            return None
        except (av.FFmpegError, OSError) as exc:
            return describe_error(exc, self._url)


def _spent(sink: FrameSink, before_decode: float, decoded_at: float) -> float:
    """Book one frame's reader CPU time (decoding up to `decoded_at`, converting after it);
    returns the mark the next frame's decoding starts from."""
    now = time.thread_time()
    sink.spend(decoded_at - before_decode, now - decoded_at)
    return now
