"""The WebSocket hub: live messages fanned out to the subscriptions that asked for them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from uuid import UUID

from web.live.messages import FacesMessage, LiveMessage, OverflowMessage
from web.telemetry.metrics import Metrics

logger = logging.getLogger(__name__)

QUEUE_SIZE = 256
OVERFLOW = OverflowMessage()


class Subscription:
    """What one client receives: `async for message in subscription`.

    The queue is bounded: a client that falls 256 messages behind gets an overflow message
    as its last message and the iteration ends (its handler then closes the socket), rather
    than the hub holding an ever-growing backlog for it.
    """

    def __init__(self, hub: EventHub, session_id: UUID | None, camera_id: UUID | None) -> None:
        self.session_id = session_id
        self.camera_id = camera_id
        self._hub = hub
        self._queue: asyncio.Queue[LiveMessage | None] = asyncio.Queue(maxsize=QUEUE_SIZE + 1)
        self._ended = False

    def wants(self, message: LiveMessage) -> bool:
        if isinstance(message, FacesMessage):
            return message.camera_id == self.camera_id
        session = getattr(message, "session_id", None)  # camera states belong to no session
        return self.session_id is None or session is None or session == self.session_id

    def offer(self, message: LiveMessage) -> None:
        """Queue a message without waiting (the hub never waits for a slow client)."""
        if self._ended:
            return
        if self._queue.qsize() >= QUEUE_SIZE:
            self._drain()
            self._queue.put_nowait(OVERFLOW)
            self._end()
            logger.warning("a live client fell behind and is dropped")
            return
        self._queue.put_nowait(message)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> LiveMessage:
        message = await self._queue.get()
        if message is None:
            self._queue.put_nowait(None)  # every later call ends too
            raise StopAsyncIteration
        return message

    def close(self) -> None:
        """Unsubscribe; a consumer waiting for a message ends its iteration."""
        self._end()

    @property
    def closed(self) -> bool:
        return self._ended

    def _end(self) -> None:
        if self._ended:
            return
        self._ended = True
        self._hub._discard(self)
        # room is kept for this marker: the queue holds QUEUE_SIZE messages at most
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    def _drain(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()


class EventHub:
    """Local fan-out: every process has its own hub, fed by its change-feed listener (events
    of every process) and by its own analysis loop (face boxes of its own cameras)."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self._subscriptions: set[Subscription] = set()
        self._metrics = metrics

    def subscribe(self, session_id: UUID | None, *, camera_id: UUID | None = None) -> Subscription:
        """Messages of one session (None: of every session), and with `camera_id` also that
        camera's face boxes."""
        subscription = Subscription(self, session_id, camera_id)
        self._subscriptions.add(subscription)
        self._count()
        return subscription

    async def publish(self, message: LiveMessage) -> None:
        for subscription in list(self._subscriptions):
            if subscription.wants(message):
                subscription.offer(message)

    @property
    def clients(self) -> int:
        return len(self._subscriptions)

    def wants_faces_of(self, camera_id: UUID) -> bool:
        """Whether anyone is watching this camera's boxes (else they are not even built)."""
        return any(s.camera_id == camera_id for s in self._subscriptions)

    def close_all(self) -> None:
        for subscription in list(self._subscriptions):
            subscription.close()

    def _discard(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)
        self._count()

    def _count(self) -> None:
        if self._metrics is not None:
            self._metrics.websocket_clients.set(len(self._subscriptions))
