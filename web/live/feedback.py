"""Face feedback to the camera page: the boxes and names the service sees in a browser camera's
video, sent back on the data channel the page opened in its offer.

The channel ends at the process whose streamer received the offer, which is the process that
analyses that camera, so the hub's local "faces" messages are all it needs, whatever the
number of replicas.
"""

from __future__ import annotations

import asyncio
import logging

from streamer.webrtc.data_channel import BrowserChannel
from web.live.hub import EventHub
from web.live.messages import FacesMessage

logger = logging.getLogger(__name__)

FEEDBACK_LABEL = "feedback"
# Boxes are a few hundred bytes and come a few times a second: this much waiting unsent means
# the page has stopped reading or the network is starved, and old boxes are worthless.
MAX_BUFFERED_BYTES = 64 * 1024


class FaceFeedback:
    """Forwards each browser camera's face boxes to its page's feedback channel while the
    channel is open; boxes that would queue behind unsent ones are dropped."""

    def __init__(self, hub: EventHub) -> None:
        self._hub = hub
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

    async def _forward(self, channel: BrowserChannel) -> None:
        camera_id = channel.camera_id
        subscription = self._hub.subscribe(None, camera_id=camera_id)
        # the subscription's iteration ends when it is closed: at the channel's end
        watcher = asyncio.create_task(channel.wait_closed())
        watcher.add_done_callback(lambda _: subscription.close())
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
            logger.info(
                "camera %s: feedback channel ended",
                camera_id,
                extra={"camera_id": str(camera_id), "dropped": dropped},
            )
