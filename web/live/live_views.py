"""Live views of the cameras this process runs: the analysed frames at a low rate, as small
JPEGs with their face boxes, made only while someone watches the camera.

The analysis loop asks `wants(camera_id)` for each frame it analysed and `offer`s the ones
wanted: the frame is scaled down and encoded on this module's own thread, never on the
analysis's executor (a batch must not wait behind a preview, nor a preview behind a batch),
and at most one encode per camera is in flight: a camera whose last preview is not done yet
skips this frame rather than queue it. Each viewer holds the newest preview only, so a slow
one never keeps a backlog; previews live nowhere else (no disk, no database, no log).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import TracebackType
from uuid import UUID

import numpy as np

from web.live.messages import FaceBoxOut, PreviewMessage
from web.live.preview_image import JPEG_QUALITY, PREVIEW_WIDTH, PreviewImage, encode_preview

logger = logging.getLogger(__name__)

PREVIEW_FPS = 2.0  # at most this many previews a second per camera (the analysis runs at 5)


class Viewer:
    """One open live view of one camera: `await viewer.next(timeout_s)` is the newest
    preview not given yet, or None when none came in time or the viewer was closed."""

    def __init__(self, views: LiveViews, camera_id: UUID) -> None:
        self.camera_id = camera_id
        self._views = views
        self._latest: PreviewMessage | None = None
        self._arrived = asyncio.Event()
        self.closed = False

    def offer(self, preview: PreviewMessage) -> None:
        self._latest = preview  # one not taken yet is replaced: only the newest is worth it
        self._arrived.set()

    async def next(self, timeout_s: float) -> PreviewMessage | None:
        if self._latest is None and not self.closed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout_s):
                    await self._arrived.wait()
        self._arrived.clear()
        preview, self._latest = self._latest, None
        return None if self.closed else preview

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._latest = None
            self._arrived.set()
            self._views._discard(self)

    def __enter__(self) -> Viewer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class LiveViews:
    def __init__(
        self,
        fps: float = PREVIEW_FPS,
        width: int = PREVIEW_WIDTH,
        quality: int = JPEG_QUALITY,
    ) -> None:
        self._interval_s = 1.0 / fps
        self._width = width
        self._quality = quality
        self._viewers: dict[UUID, set[Viewer]] = {}
        self._due: dict[UUID, float] = {}  # monotonic time each camera's next preview is due
        self._encoding: set[UUID] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-view")
        self._closed = False
        self.encoded = 0  # previews made since the start
        self.encode_cpu_s = 0.0  # CPU time the encoding thread spent on them

    # -- the viewers' side ---------------------------------------------------------------

    def watch(self, camera_id: UUID) -> Viewer:
        """Start watching a camera (use as a context manager: leaving stops it)."""
        viewer = Viewer(self, camera_id)
        if self._closed:
            viewer.closed = True
            return viewer
        self._viewers.setdefault(camera_id, set()).add(viewer)
        return viewer

    def viewers(self, camera_id: UUID) -> int:
        return len(self._viewers.get(camera_id, ()))

    def end_viewers(self) -> None:
        """Close every open view (the HTTP server is shutting down); new ones open closed."""
        self._closed = True
        for viewers in list(self._viewers.values()):
            for viewer in list(viewers):
                viewer.close()

    def _discard(self, viewer: Viewer) -> None:
        viewers = self._viewers.get(viewer.camera_id)
        if viewers is not None:
            viewers.discard(viewer)
            if not viewers:
                del self._viewers[viewer.camera_id]

    # -- the analysis's side -------------------------------------------------------------

    def wants(self, camera_id: UUID, now: float | None = None) -> bool:
        """Whether a frame of this camera analysed now should become a preview: someone
        watches, one is due (at most `fps` a second), and the last one is done."""
        if camera_id not in self._viewers or camera_id in self._encoding:
            return False
        due = self._due.get(camera_id)
        return due is None or (time.monotonic() if now is None else now) >= due

    def offer(
        self,
        camera_id: UUID,
        image: np.ndarray,
        boxes: Sequence[FaceBoxOut],
        captured_at: float,
        now: float | None = None,
    ) -> None:
        """Make a preview of this frame and its boxes, off the loop, for the camera's
        viewers. Returns at once."""
        # Due one interval after the last was due, not after it was made: frames come at the
        # analysis rate (every 0.2 s), and "0.5 s after the last" would mean every 0.6 s. Never
        # sooner than half an interval, so a camera back from a pause gets no burst.
        now = time.monotonic() if now is None else now
        due = self._due.get(camera_id)
        self._due[camera_id] = max(
            now + self._interval_s / 2, (now if due is None else due) + self._interval_s
        )
        self._encoding.add(camera_id)
        task = asyncio.create_task(
            self._make(camera_id, image, list(boxes), captured_at), name="live-view-encode"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def forget(self, cameras: set[UUID]) -> None:
        """Drop the pacing of cameras no longer run here."""
        for camera_id in self._due.keys() - cameras:
            del self._due[camera_id]

    async def _make(
        self, camera_id: UUID, image: np.ndarray, boxes: list[FaceBoxOut], captured_at: float
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            made, cpu_s = await loop.run_in_executor(self._executor, self._encode, image)
        except (ValueError, RuntimeError) as error:  # an odd frame, or closing meanwhile
            logger.info("live view frame not made: %s", error, extra={"camera_id": str(camera_id)})
            return
        finally:
            self._encoding.discard(camera_id)
        self.encoded += 1
        self.encode_cpu_s += cpu_s
        viewers = self._viewers.get(camera_id)
        if not viewers:
            return  # the last viewer left while it was being made
        preview = PreviewMessage(
            camera_id=camera_id,
            captured_at=datetime.fromtimestamp(captured_at, UTC),
            width=made.width,
            height=made.height,
            jpeg=base64.b64encode(made.jpeg).decode("ascii"),
            boxes=[_scaled(box, made.scale) for box in boxes],
        )
        for viewer in list(viewers):
            viewer.offer(preview)

    def _encode(self, image: np.ndarray) -> tuple[PreviewImage, float]:
        started = time.thread_time()
        made = encode_preview(image, self._width, self._quality)
        return made, time.thread_time() - started

    async def close(self) -> None:
        """End every view and wait for the encodes in flight (the runtime is stopping)."""
        self.end_viewers()
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        self._executor.shutdown(wait=True)


def _scaled(box: FaceBoxOut, scale: float) -> FaceBoxOut:
    x1, y1, x2, y2 = box.bbox
    return box.model_copy(update={"bbox": (x1 * scale, y1 * scale, x2 * scale, y2 * scale)})
