"""Live observations announced on the change feed without holding up the loop that saw them."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from store.database import Database
from store.errors import StoreError
from store.events import EventKind

logger = logging.getLogger(__name__)

MAX_WAITING = 64  # announcements waiting for the database; more are dropped

Announcement = tuple[EventKind, dict[str, Any]]


class Announcements:
    """`announce(kind, payload)` returns at once; one worker task inserts the announcements
    into the events table in the order given (a camera's states must not overtake each other).

    Awaited inline, a database that hangs rather than refuses (a network partition: each
    insert waits out the command timeout) held up every camera's analysis at each unknown
    face, and students arriving meanwhile were seen only later, perhaps as late. These are
    counts and notices, not attendance: while the database is away they may be lost (logged),
    at most MAX_WAITING of them wait, and attendance itself goes through the write buffer.
    """

    def __init__(self, database: Database, max_waiting: int = MAX_WAITING) -> None:
        self._database = database
        self._queue: asyncio.Queue[Announcement] = asyncio.Queue(maxsize=max_waiting)
        self._worker: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def announce(self, kind: EventKind, payload: dict[str, Any]) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._publish_all(), name="live-announcements")
        try:
            self._queue.put_nowait((kind, payload))
        except asyncio.QueueFull:
            logger.warning(
                "live observation dropped: the database is not keeping up",
                extra={"event_kind": kind.value, "camera_id": payload.get("camera_id")},
            )

    async def finish(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for the announcements still waiting, then stop the worker
        (also when this wait itself is cancelled: the worker never outlives its owner)."""
        worker = self._worker
        if worker is None:
            return
        try:
            async with asyncio.timeout(timeout_s):
                await self._queue.join()
        except TimeoutError:
            logger.warning("live observations dropped at shutdown", extra={"left": self.waiting})
        finally:
            worker.cancel()
            await asyncio.wait([worker])

    async def _publish_all(self) -> None:
        while True:
            kind, payload = await self._queue.get()
            try:
                await self._database.events.publish(kind, payload)
            except StoreError as error:
                logger.warning(
                    "live observation not published: %s",
                    error,
                    extra={"event_kind": kind.value, "camera_id": payload.get("camera_id")},
                )
            finally:
                self._queue.task_done()
