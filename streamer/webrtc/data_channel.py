"""Data channels a browser opens on its camera's peer connection: text from the service back
to the page (the faces it sees, say), over the connection the video already travels on.

The streamer only hands them over; what is sent on them is the caller's business.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiortc import RTCDataChannel
from aiortc.exceptions import InvalidStateError

from streamer.ids import CameraId

logger = logging.getLogger(__name__)


class BrowserChannel:
    """One data channel the browser opened: send text while it is open, wait for its end."""

    def __init__(self, camera_id: CameraId, channel: RTCDataChannel) -> None:
        self.camera_id = camera_id
        self.label = channel.label
        self._channel = channel
        self._ended = asyncio.Event()
        channel.on("close", self._ended.set)
        if channel.readyState == "closed":
            self._ended.set()

    @property
    def open(self) -> bool:
        return not self._ended.is_set() and self._channel.readyState == "open"

    @property
    def buffered_amount(self) -> int:
        """Bytes queued for the browser and not yet sent: high means the page is not reading
        (or the network is slow), so a sender should drop rather than queue more."""
        return self._channel.bufferedAmount

    def send(self, text: str) -> bool:
        """Queue `text` for the browser; False (nothing sent) once the channel is not open."""
        if not self.open:
            return False
        try:
            self._channel.send(text)
        except InvalidStateError:  # closed between the check and the send
            return False
        return True

    async def wait_closed(self) -> None:
        await self._ended.wait()

    def close(self) -> None:
        """Close the channel (the peer connection ending closes it too); safe to repeat."""
        if not self._ended.is_set():
            self._channel.close()
            self._ended.set()


# Called once per channel the browser opens, with the channel already open; it must not block.
ChannelListener = Callable[[BrowserChannel], None]
