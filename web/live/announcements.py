"""Live observations announced on the change feed without holding up the loop that saw them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from store.backoff import Backoff
from store.database import Database
from store.errors import DatabaseUnavailable, StoreError
from store.events import EventKind
from store.journal import JournalEntry
from web.live.journal import LiveJournal

logger = logging.getLogger(__name__)

MAX_WAITING = 64  # best-effort announcements waiting for the database; more are dropped

# (kind, payload, its journal entry when it was journaled)
Announcement = tuple[EventKind, dict[str, Any], JournalEntry | None]


class Announcements:
    """`announce(kind, payload)` returns at once; one worker task inserts the announcements
    into the events table in the order given (a camera's states must not overtake each other).

    Awaited inline, a database that hangs rather than refuses (a network partition: each
    insert waits out the command timeout) held up every camera's analysis at each unknown
    face, and students arriving meanwhile were seen only later, perhaps as late.

    Two kinds of announcement. Best effort (`announce`: other-course sightings, camera
    states): while the database is away they may be lost (logged), and at most `max_waiting`
    of them wait. Durable (`announce_durably`: unknown-face notices, which the session's
    counts are made of): journaled first, retried until the database takes them, published
    once per id (`events.publish_once`) and settled in the journal then; what is left at
    shutdown or in a crash is replayed at the next start (`replay`). Their bound is the
    journal's: one the journal refuses (full) is announced with best effort instead.
    """

    def __init__(
        self,
        database: Database,
        max_waiting: int = MAX_WAITING,
        journal: LiveJournal | None = None,
    ) -> None:
        self._database = database
        self._journal = journal
        self._max_waiting = max_waiting
        self._queue: asyncio.Queue[Announcement] = asyncio.Queue()
        self._best_effort = 0  # of the queue's announcements, those not journaled
        self._worker: asyncio.Task[None] | None = None
        self._retry_initial_s = database.config.retry_initial_s
        self._retry_max_s = database.config.retry_max_s

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def announce(self, kind: EventKind, payload: dict[str, Any]) -> None:
        self._start()
        if self._best_effort >= self._max_waiting:
            logger.warning(
                "live observation dropped: the database is not keeping up",
                extra={"event_kind": kind.value, "camera_id": payload.get("camera_id")},
            )
            return
        self._best_effort += 1
        self._queue.put_nowait((kind, payload, None))

    async def announce_durably(self, kind: EventKind, payload: dict[str, Any]) -> None:
        """Journal the announcement (its id goes into the payload as `notice_id`), then
        queue it; returns once it is journaled, or after the journal's bounded wait."""
        write_id = uuid4()
        payload = {**payload, "notice_id": str(write_id)}
        entry = JournalEntry.of_event(write_id, kind, payload)
        journaled = self._journal is not None and await self._journal.append(entry)
        logger.info(
            "live observation noticed",
            extra={"event_kind": kind.value, "notice_id": str(write_id), "journaled": journaled},
        )
        if not journaled:
            self.announce(kind, payload)
            return
        self._start()
        self._queue.put_nowait((kind, payload, entry))

    def replay(self, entries: Sequence[JournalEntry]) -> None:
        """Journaled announcements a previous run may not have published, ahead of new ones."""
        for entry in entries:
            kind, payload = entry.event()
            self._start()
            self._queue.put_nowait((kind, payload, entry))

    async def finish(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for the announcements still waiting, then stop the worker
        (also when this wait itself is cancelled: the worker never outlives its owner).
        Journaled ones left are published at the next start."""
        worker = self._worker
        if worker is None:
            return
        try:
            async with asyncio.timeout(timeout_s):
                await self._queue.join()
        except TimeoutError:
            logger.warning(
                "live observations left at shutdown (journaled ones go out at the next start)",
                extra={"left": self.waiting, "best_effort": self._best_effort},
            )
        finally:
            worker.cancel()
            await asyncio.wait([worker])

    def _start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._publish_all(), name="live-announcements")

    async def _publish_all(self) -> None:
        while True:
            kind, payload, entry = await self._queue.get()
            try:
                if entry is None:
                    self._best_effort -= 1
                    await self._publish(kind, payload)
                else:
                    await self._publish_durably(kind, payload, entry)
            finally:
                self._queue.task_done()

    async def _publish(self, kind: EventKind, payload: dict[str, Any]) -> None:
        try:
            await self._database.events.publish(kind, payload)
        except StoreError as error:
            logger.warning(
                "live observation not published: %s",
                error,
                extra={"event_kind": kind.value, "camera_id": payload.get("camera_id")},
            )

    async def _publish_durably(
        self, kind: EventKind, payload: dict[str, Any], entry: JournalEntry
    ) -> None:
        backoff = Backoff(self._retry_initial_s, self._retry_max_s)
        while True:
            try:
                await self._database.events.publish_once(entry.id, kind, payload)
            except DatabaseUnavailable:
                await asyncio.sleep(backoff.next_delay())
                continue
            except StoreError as error:
                logger.warning(
                    "journaled observation refused by the database, dropped: %s",
                    error,
                    extra={"event_kind": kind.value, "camera_id": payload.get("camera_id")},
                )
            break
        assert self._journal is not None  # only journaled announcements get here
        await self._journal.settle([entry.id])
