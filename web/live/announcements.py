"""Live observations announced on the change feed without holding up the analysis loop."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from store.database import Database
from store.errors import StoreError
from store.events import EventKind

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 64  # announcements waiting for the database at once; more are dropped


class Announcements:
    """`announce(kind, payload)` returns at once; the insert into the events table runs as a
    task of its own.

    Awaited inline, a database that hangs rather than refuses (a network partition: each
    insert waits out the command timeout) held up every camera's analysis at each unknown
    face, and students arriving meanwhile were seen only later, perhaps as late. These are
    counts and notices, not attendance: while the database is away they may be lost (logged),
    at most MAX_IN_FLIGHT of them wait, and attendance itself goes through the write buffer.
    """

    def __init__(self, database: Database, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self._database = database
        self._max_in_flight = max_in_flight
        self._in_flight: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def announce(self, kind: EventKind, payload: dict[str, Any]) -> None:
        if len(self._in_flight) >= self._max_in_flight:
            logger.warning(
                "live observation dropped: the database is not keeping up",
                extra={"event_kind": kind.value, "camera_id": payload.get("camera_id")},
            )
            return
        task = asyncio.create_task(self._publish(kind, payload), name=f"announce-{kind.value}")
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def finish(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for the announcements under way, then cancel the rest."""
        pending = set(self._in_flight)
        if not pending:
            return
        try:
            await asyncio.wait(pending, timeout=timeout_s)
        finally:  # also when the shutdown cancels the wait: no task outlives the loop
            late = [task for task in pending if not task.done()]
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)

    async def _publish(self, kind: EventKind, payload: dict[str, Any]) -> None:
        try:
            await self._database.events.publish(kind, payload)
        except StoreError as error:
            logger.warning(
                "live observation not published: %s",
                error,
                extra={"event_kind": kind.value, "camera_id": payload.get("camera_id")},
            )
