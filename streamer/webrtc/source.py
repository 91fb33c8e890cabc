"""A browser camera: waits for offers, one live peer at a time."""

from __future__ import annotations

import asyncio
import logging

from streamer.config import StreamerConfig
from streamer.errors import CameraClosed
from streamer.ids import CameraId
from streamer.source import FrameSink, FrameSource
from streamer.status import CameraState
from streamer.webrtc.data_channel import ChannelListener
from streamer.webrtc.peer import PeerSession

logger = logging.getLogger(__name__)


class WebRtcSource(FrameSource):
    """Frames from whichever browser last sent an offer for this camera.

    While no peer streams, the camera is CONNECTING (never had one) or RECONNECTING
    (its peer ended: waiting for the browser to offer again).
    """

    def __init__(self, camera_id: CameraId, config: StreamerConfig) -> None:
        super().__init__(camera_id)
        self._config = config
        self._sink: FrameSink | None = None
        self._session: PeerSession | None = None
        self._receiver: asyncio.Task[None] | None = None
        self._stopped = False
        # Offers negotiate concurrently, but the swap of the current session awaits the old
        # one's close: without the lock, two swaps interleave and one session is orphaned.
        self._swap = asyncio.Lock()

    @property
    def active_peers(self) -> int:
        return 0 if self._session is None or self._session.closed else 1

    async def run(self, sink: FrameSink) -> None:
        self._sink = sink
        sink.set_state(CameraState.CONNECTING)
        try:
            await asyncio.Event().wait()  # offers drive this source; run only holds its life
        finally:
            self._stopped = True
            async with self._swap:
                await self._end_session()

    async def accept_offer(
        self, sdp: str, sdp_type: str = "offer", on_channel: ChannelListener | None = None
    ) -> str:
        """Answer a browser's offer, replacing any current peer of this camera; `on_channel`
        gets each data channel the browser opens on it."""
        if self._sink is None and not self._stopped:
            # Added a moment ago: its task is queued before us and sets the sink on its
            # first step, so one turn of the loop is enough.
            await asyncio.sleep(0)
        if self._sink is None or self._stopped:
            raise CameraClosed(f"camera {self.camera_id} is not running")
        session, answer = await PeerSession.negotiate(
            self.camera_id, sdp, sdp_type, self._sink, self._config, on_channel
        )
        adopted = False
        try:
            async with self._swap:
                if self._stopped:  # removed while negotiating
                    raise CameraClosed(f"camera {self.camera_id} was removed")
                await self._end_session()
                self._session = session
                self._receiver = asyncio.create_task(
                    self._receive(session), name=f"streamer-webrtc-{self.camera_id}"
                )
                adopted = True
        finally:
            if not adopted:  # refused, or the caller was cancelled: nobody else closes it
                await session.close()
        return answer

    async def _receive(self, session: PeerSession) -> None:
        try:
            reason = await session.receive()
        except Exception as exc:  # a bug, not a peer fault: keep it visible, end the peer
            logger.exception(
                "camera %s: receiving failed", self.camera_id, extra={"camera_id": self.camera_id}
            )
            reason = f"internal error: {type(exc).__name__}"
        if self._session is session and not self._stopped and self._sink is not None:
            self._sink.set_state(CameraState.RECONNECTING, reason)

    async def _end_session(self) -> None:
        session, receiver = self._session, self._receiver
        self._session = self._receiver = None
        if session is not None:
            await session.close()
        if receiver is not None:
            receiver.cancel()
            # wait, not `await receiver`: that would swallow a cancellation of our caller.
            await asyncio.wait([receiver])
