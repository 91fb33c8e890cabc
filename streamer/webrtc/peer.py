"""One browser's peer connection feeding one camera: answer, receive, watchdog."""

from __future__ import annotations

import asyncio
import logging
import time

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from av import VideoFrame

from streamer.config import StreamerConfig
from streamer.decode import to_bgr
from streamer.errors import SignallingError
from streamer.frame import Frame
from streamer.ids import CameraId
from streamer.source import FrameSink
from streamer.status import CameraState
from streamer.webrtc.codecs import preferred_video_codecs
from streamer.webrtc.data_channel import BrowserChannel, ChannelListener
from streamer.webrtc.offer import validate_offer

logger = logging.getLogger(__name__)

PEER_CLOSED = "the browser closed the connection"


def rtc_configuration(config: StreamerConfig) -> RTCConfiguration:
    """ICE servers as configured; an empty list, not None, because aiortc falls back to a
    public STUN server when given None."""
    servers = [
        RTCIceServer(urls=server.urls, username=server.username, credential=server.credential)
        for server in config.ice_servers
    ]
    return RTCConfiguration(iceServers=servers)


class PeerSession:
    """A negotiated peer connection whose video track feeds a camera's sink."""

    def __init__(
        self,
        camera_id: CameraId,
        connection: RTCPeerConnection,
        track: MediaStreamTrack,
        sink: FrameSink,
        config: StreamerConfig,
        channels: list[BrowserChannel] | None = None,
    ) -> None:
        self.camera_id = camera_id
        self._connection = connection
        self._track = track
        self._sink = sink
        self._config = config
        self._closed = False
        self._closing: asyncio.Future[None] | None = None
        # the browser's data channels, closed with the session (the list fills as they open)
        self._channels = channels if channels is not None else []
        connection.on("connectionstatechange", self._on_connection_state)

    @classmethod
    async def negotiate(
        cls,
        camera_id: CameraId,
        sdp: str,
        sdp_type: str,
        sink: FrameSink,
        config: StreamerConfig,
        on_channel: ChannelListener | None = None,
    ) -> tuple[PeerSession, str]:
        """Answer a browser's offer; returns the session and the answer's SDP.

        `on_channel` is given each data channel the browser opens (an offer may carry one
        besides its video); without it, such channels are accepted and left unused.
        Raises SignallingError, after closing whatever was built, if the offer is refused.
        """
        validate_offer(sdp, sdp_type, config)
        connection = RTCPeerConnection(configuration=rtc_configuration(config))
        channels: list[BrowserChannel] = []
        if on_channel is not None:
            # Registered before the remote description: a channel may open as soon as the
            # connection does, before this method has returned.
            connection.on(
                "datachannel",
                lambda channel: _hand_over(camera_id, channel, channels, on_channel),
            )
        try:
            transceiver = connection.addTransceiver("video", direction="recvonly")
            # Must precede setRemoteDescription: aiortc ignores preferences set after it.
            transceiver.setCodecPreferences(preferred_video_codecs())
            await connection.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            for other in connection.getTransceivers():
                if other is not transceiver:
                    other.direction = "inactive"  # audio and extra media: never received
            await connection.setLocalDescription(await connection.createAnswer())
            track = transceiver.receiver.track
            if track is None:
                raise SignallingError("the offer's video cannot be received")
        except BaseException as exc:
            await connection.close()
            if isinstance(exc, SignallingError | asyncio.CancelledError):
                raise
            if isinstance(exc, Exception):
                # aiortc's messages may quote the offer: keep an echo of hostile input short.
                reason = f"{type(exc).__name__}: {str(exc)[:200]}"
                raise SignallingError(f"the SDP offer cannot be answered: {reason}") from exc
            raise
        session = cls(camera_id, connection, track, sink, config, channels)
        return session, connection.localDescription.sdp

    @property
    def closed(self) -> bool:
        return self._closed

    async def receive(self) -> str:
        """Deliver the track's frames until the peer ends; returns why it ended.

        A peer that sends nothing for `webrtc_watchdog_s` is closed: a browser that dies
        without closing is otherwise only noticed by ICE about 30 s later.
        """
        watchdog = self._config.webrtc_watchdog_s
        live = False
        try:
            while True:
                try:
                    picture = await asyncio.wait_for(self._track.recv(), timeout=watchdog)
                except TimeoutError:
                    return f"no video for {watchdog:g} s: the peer was closed"
                except MediaStreamError:
                    return PEER_CLOSED
                if not isinstance(picture, VideoFrame):
                    continue  # a video track hands out frames, never encoded packets
                now = time.monotonic()
                seq = self._sink.admit(now)
                if not live:
                    self._sink.set_state(CameraState.LIVE)
                    live = True
                if seq is None:
                    continue
                image = await asyncio.to_thread(to_bgr, picture, self._config.downscale_width)
                self._sink.publish(Frame(self.camera_id, image, seq, time.time(), now))
        finally:
            await self.close()

    async def close(self) -> None:
        """Close the peer connection; safe to call again and from a cancelled task."""
        self._closed = True
        for channel in self._channels:
            channel.close()
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._connection.close())
        # Shielded: cancelling a waiter must not cancel aiortc's shared "closed" future,
        # which breaks its own close with InvalidStateError.
        await asyncio.shield(self._closing)

    def _on_connection_state(self) -> None:
        state = self._connection.connectionState
        logger.info(
            "camera %s: peer connection %s",
            self.camera_id,
            state,
            extra={"camera_id": self.camera_id, "peer_state": state},
        )
        if state in ("failed", "closed"):
            # Ends the track, so `receive` returns at once rather than at the watchdog.
            self._track.stop()


def _hand_over(
    camera_id: CameraId,
    channel: RTCDataChannel,
    channels: list[BrowserChannel],
    on_channel: ChannelListener,
) -> None:
    browser_channel = BrowserChannel(camera_id, channel)
    channels.append(browser_channel)
    logger.info(
        "camera %s: the browser opened data channel %r",
        camera_id,
        channel.label,
        extra={"camera_id": camera_id, "channel": channel.label},
    )
    try:
        on_channel(browser_channel)
    except Exception:  # the listener's fault must not break the peer connection
        logger.exception(
            "camera %s: the data channel listener failed", camera_id, extra={"camera_id": camera_id}
        )
