"""Runs every camera: add, change and remove them at run time, answer offers, shut down."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from types import TracebackType

from streamer.camera_spec import CameraSpec
from streamer.config import StreamerConfig
from streamer.errors import CameraAlreadyExists, NotABrowserCamera, UnknownCamera
from streamer.feed import CameraFeed
from streamer.file_source import FileSource
from streamer.ids import CameraId
from streamer.pyav_source import PyAvSource
from streamer.source import FrameSource
from streamer.status import CameraState, CameraStatus
from streamer.webrtc.data_channel import ChannelListener
from streamer.webrtc.source import WebRtcSource

logger = logging.getLogger(__name__)


@dataclass
class _Camera:
    spec: CameraSpec
    feed: CameraFeed
    source: FrameSource
    task: asyncio.Task[None]


class Supervisor:
    """Owns the cameras. Each runs in its own task (and reader thread or peer), so adding,
    changing or removing one never touches the others.

    Use as `async with Supervisor(config) as supervisor:`; leaving stops every camera and
    waits until no reader thread or peer connection is left.
    """

    def __init__(self, config: StreamerConfig | None = None) -> None:
        self._config = config or StreamerConfig()
        self._cameras: dict[CameraId, _Camera] = {}
        self._closed = False

    async def __aenter__(self) -> Supervisor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def config(self) -> StreamerConfig:
        return self._config

    @property
    def camera_ids(self) -> list[CameraId]:
        return list(self._cameras)

    async def add_camera(self, spec: CameraSpec) -> CameraFeed:
        """Start a camera; returns the feed its frames come out of."""
        if self._closed:
            raise RuntimeError("the supervisor is closed")
        if spec.camera_id in self._cameras:
            raise CameraAlreadyExists(f"camera {spec.camera_id} already exists")
        feed = CameraFeed(spec.camera_id, spec.kind, spec.redacted_url, self._analysis_fps(spec))
        self._cameras[spec.camera_id] = self._start(spec, feed)
        logger.info(
            "camera %s added (%s)", spec.camera_id, spec.kind, extra={"camera_id": spec.camera_id}
        )
        return feed

    async def update_camera(self, spec: CameraSpec) -> CameraFeed:
        """Change a camera's source or settings; its feed (and its consumers) carry on."""
        camera = self._get(spec.camera_id)
        await self._stop(camera)
        if self._closed or self._cameras.get(spec.camera_id) is not camera:
            # Removed, changed by another call, or the supervisor closed while the old source
            # stopped: starting ours now would leave a reader nobody stops.
            raise UnknownCamera(f"camera {spec.camera_id} was removed or changed meanwhile")
        camera.feed.reconfigure(spec.kind, spec.redacted_url, self._analysis_fps(spec))
        self._cameras[spec.camera_id] = self._start(spec, camera.feed)
        return camera.feed

    async def remove_camera(self, camera_id: CameraId) -> None:
        """Stop a camera; consumers waiting on its feed get CameraClosed."""
        camera = self._cameras.pop(camera_id, None)
        if camera is None:
            raise UnknownCamera(f"no camera {camera_id}")
        try:
            await self._stop(camera)
        finally:  # even when our caller gives up waiting, its consumers are woken
            camera.feed.close()
        logger.info("camera %s removed", camera_id, extra={"camera_id": camera_id})

    def feed(self, camera_id: CameraId) -> CameraFeed:
        return self._get(camera_id).feed

    def spec(self, camera_id: CameraId) -> CameraSpec:
        return self._get(camera_id).spec

    def status(self, camera_id: CameraId) -> CameraStatus:
        return self._get(camera_id).feed.status()

    def statuses(self) -> list[CameraStatus]:
        return [camera.feed.status() for camera in self._cameras.values()]

    async def answer_offer(
        self,
        camera_id: CameraId,
        sdp: str,
        sdp_type: str = "offer",
        on_channel: ChannelListener | None = None,
    ) -> str:
        """Answer a browser camera's SDP offer; returns the answer's SDP. `on_channel` gets
        each data channel the browser opens on this peer connection (feedback to the page).

        Raises UnknownCamera, NotABrowserCamera, or SignallingError for a refused offer.
        """
        source = self._get(camera_id).source
        if not isinstance(source, WebRtcSource):
            raise NotABrowserCamera(f"camera {camera_id} reads a URL, not a browser")
        return await source.accept_offer(sdp, sdp_type, on_channel)

    def active_peers(self) -> int:
        """Peer connections currently open, over all browser cameras."""
        return sum(
            camera.source.active_peers
            for camera in self._cameras.values()
            if isinstance(camera.source, WebRtcSource)
        )

    async def close(self) -> None:
        """Stop every camera and wait for their threads and peers to be gone."""
        self._closed = True
        cameras = list(self._cameras.values())
        self._cameras.clear()
        try:
            await asyncio.gather(*(self._stop(camera) for camera in cameras))
        finally:
            for camera in cameras:
                camera.feed.close()

    def _start(self, spec: CameraSpec, feed: CameraFeed) -> _Camera:
        source = self._make_source(spec)
        task = asyncio.create_task(source.run(feed), name=f"streamer-camera-{spec.camera_id}")
        task.add_done_callback(lambda done: _report_crash(done, feed))
        return _Camera(spec, feed, source, task)

    def _make_source(self, spec: CameraSpec) -> FrameSource:
        url = spec.parsed_url
        if url is None:
            return WebRtcSource(spec.camera_id, self._config)
        if url.is_file:
            return FileSource(spec.camera_id, url, self._config, spec.loop, spec.realtime)
        return PyAvSource(spec.camera_id, url, self._config)

    def _analysis_fps(self, spec: CameraSpec) -> float | None:
        return spec.analysis_fps if spec.analysis_fps is not None else self._config.analysis_fps

    def _get(self, camera_id: CameraId) -> _Camera:
        try:
            return self._cameras[camera_id]
        except KeyError:
            raise UnknownCamera(f"no camera {camera_id}") from None

    @staticmethod
    async def _stop(camera: _Camera) -> None:
        if not camera.task.cancelling():  # once: a second cancel would cut its cleanup short
            camera.task.cancel()
        # wait, not `await task`: that would re-raise a crash already reported (aborting a
        # close half-way) and swallow a cancellation aimed at our caller.
        await asyncio.wait([camera.task])


def _report_crash(task: asyncio.Task[None], feed: CameraFeed) -> None:
    if task.cancelled() or task.exception() is None:
        return
    exc = task.exception()
    # A bug, not a camera fault (sources turn those into states): keep it visible.
    logger.error(
        "camera %s stopped on an unexpected error",
        feed.camera_id,
        exc_info=exc,
        extra={"camera_id": feed.camera_id},
    )
    feed.set_state(CameraState.FAILED, f"internal error: {type(exc).__name__}")
