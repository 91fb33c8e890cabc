"""One change-feed listener per process, its events handed to every part that follows it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from store.backoff import Backoff
from store.change_feed import ChangeFeed
from store.errors import DatabaseUnavailable
from store.events import Event

logger = logging.getLogger(__name__)

RETRY_INITIAL_S = 0.2
RETRY_MAX_S = 5.0


class Listener(Protocol):
    async def on_event(self, event: Event) -> None: ...


class Dispatcher:
    """Hands each event, in feed order, to each listener in the order given (the runtime
    puts the hub last: a board hears of a change once this process has applied it).

    A listener that could not apply an event because the database was away (a template or
    camera to read back) gets it again, with backoff, until it lands: skipped, the gallery or
    the cameras would stay wrong until a restart. Later events wait meanwhile, so the order
    holds; listeners apply an event twice harmlessly. A listener that fails on an event for
    any other reason is logged and the others still get it: one bad event must not stop the
    gallery, the cameras or the boards from following the feed.
    """

    def __init__(self, feed: ChangeFeed, listeners: Sequence[Listener]) -> None:
        self._feed = feed
        self._listeners = list(listeners)
        self.events = 0

    @property
    def connected(self) -> bool:
        return self._feed.connected

    @property
    def reconnects(self) -> int:
        return self._feed.reconnects

    async def run(self) -> None:
        async for event in self._feed:
            self.events += 1
            for listener in self._listeners:
                await self._apply(listener, event)

    async def _apply(self, listener: Listener, event: Event) -> None:
        backoff = Backoff(RETRY_INITIAL_S, RETRY_MAX_S)
        while True:
            try:
                await listener.on_event(event)
                return
            except DatabaseUnavailable as error:
                logger.warning(
                    "change-feed event not applied yet, the database is away: %s",
                    error,
                    extra={"event_kind": event.kind, "listener": type(listener).__name__},
                )
                await asyncio.sleep(backoff.next_delay())
            except Exception:
                logger.exception(
                    "change-feed event not applied",
                    extra={"event_kind": event.kind, "listener": type(listener).__name__},
                )
                return
