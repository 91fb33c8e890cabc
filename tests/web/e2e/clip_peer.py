"""A browser camera stand-in: an aiortc peer sending a clip's video in real time, as a
laptop's camera would stream a classroom. It plays the clip once (aiortc's MediaPlayer does
not loop a Matroska file under PyAV 18); the service's watchdog closes the peer after it."""

from __future__ import annotations

from pathlib import Path

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer


class ClipPeer:
    def __init__(self, clip: Path) -> None:
        # a Matroska file is paced by its timestamps, as a live camera would deliver it
        self._player = MediaPlayer(str(clip))
        self.connection = RTCPeerConnection(configuration=RTCConfiguration(iceServers=[]))

    async def offer(self) -> str:
        """The send-only offer, as a browser posts it, ICE candidates included."""
        assert self._player.video is not None, "the clip has no video stream"
        self.connection.addTransceiver(self._player.video, direction="sendonly")
        await self.connection.setLocalDescription(await self.connection.createOffer())
        return self.connection.localDescription.sdp

    async def accept_answer(self, sdp: str) -> None:
        await self.connection.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def close(self) -> None:
        await self.connection.close()
        if self._player.video is not None:
            self._player.video.stop()  # ends the player's decoding thread
