"""Face feedback to the camera page: the boxes and names the service sees in a browser camera's
video, sent back on the data channel the page opened in its offer.

The channel ends at the process whose streamer received the offer, which is the process that
analyses that camera, so the hub's local "faces" messages are all it needs, whatever the
number of replicas. Its first message says the camera is live once the streamer has a frame
of it: a connected peer is not yet a camera the service sees, and the page says "Live" only
then, so it never claims what the camera's status does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from streamer.errors import CameraClosed, UnknownCamera
from streamer.supervisor import Supervisor
from streamer.webrtc.data_channel import BrowserChannel
from web.live.hub import EventHub
from web.live.messages import CameraStatusMessage, FacesMessage

logger = logging.getLogger(__name__)

FEEDBACK_LABEL = "feedback"
# Boxes are a few hundred bytes and come a few times a second: this much waiting unsent means
# the page has stopped reading or the network is starved, and old boxes are worthless.
MAX_BUFFERED_BYTES = 64 * 1024


class FaceFeedback:
    """Forwards each browser camera's face boxes to its page's feedback channel while the
    channel is open; boxes that would queue behind unsent ones are dropped."""

    def __init__(self, hub: EventHub, supervisor: Supervisor) -> None:
        self._hub = hub
        self._supervisor = supervisor
        self._forwarders: set[asyncio.Task[None]] = set()

    def channel_opened(self, channel: BrowserChannel) -> None:
        """The streamer's data channel listener: starts forwarding on a feedback channel."""
        if channel.label != FEEDBACK_LABEL:
            channel.close()  # the page opens no other: nothing would ever read it
            return
        task = asyncio.create_task(self._forward(channel), name=f"feedback-{channel.camera_id}")
        self._forwarders.add(task)
        task.add_done_callback(self._forwarders.discard)

    @property
    def channels(self) -> int:
        return len(self._forwarders)

    async def close(self) -> None:
        """Stop every forwarder (the runtime is stopping)."""
        for task in list(self._forwarders):
            task.cancel()
        if self._forwarders:
            await asyncio.wait(list(self._forwarders))

    async def _tell_live(self, channel: BrowserChannel) -> None:
        """Once the streamer holds a frame of the camera (its state is live by then)."""
        with contextlib.suppress(CameraClosed, UnknownCamera):
            await self._supervisor.feed(channel.camera_id).wait_filled()
            live = CameraStatusMessage(camera_id=channel.camera_id, state="live", error=None)
            channel.send(live.json_text)

    async def _forward(self, channel: BrowserChannel) -> None:
        camera_id = channel.camera_id
        subscription = self._hub.subscribe(None, camera_id=camera_id)
        # the subscription's iteration ends when it is closed: at the channel's end
        watcher = asyncio.create_task(channel.wait_closed())
        watcher.add_done_callback(lambda _: subscription.close())
        telling = asyncio.create_task(self._tell_live(channel))
        dropped = 0
        try:
            async for message in subscription:
                # a session-less subscription also gets every session's events: not the
                # camera's business
                if not isinstance(message, FacesMessage):
                    continue
                if channel.buffered_amount > MAX_BUFFERED_BYTES:
                    dropped += 1
                    continue
                if not channel.send(message.json_text):
                    break
        finally:
            subscription.close()
            watcher.cancel()
            telling.cancel()
            logger.info(
                "camera %s: feedback channel ended",
                camera_id,
                extra={"camera_id": str(camera_id), "dropped": dropped},
            )
