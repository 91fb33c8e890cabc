"""Names for the face boxes of camera pages, looked up beside the analysis, never in it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from uuid import UUID

from store.backoff import Backoff
from store.errors import StoreError
from web.live.people_directory import PeopleDirectory

logger = logging.getLogger(__name__)

LOOKUP_TIMEOUT_S = 2.0  # one batch's read; a hung database is tried again after a pause
RETRY_INITIAL_S = 0.2
RETRY_MAX_S = 5.0


class BoxNames:
    """`labels(person_ids)` answers at once from the directory; a name not known yet is None
    this time and queued, and one task reads the queued names in one batch (those queued
    meanwhile go in the next), so the camera page's next boxes carry it.

    Awaited in the analysis (up to 0.5 s a batch), a database that hangs or is away held up
    every camera at each batch with a new face in view, the lesson `announcements` records
    for unknown faces.
    """

    def __init__(self, people: PeopleDirectory, lookup_timeout_s: float = LOOKUP_TIMEOUT_S) -> None:
        self._people = people
        self._lookup_timeout_s = lookup_timeout_s
        self.lookups_failed = 0
        self._wanted: set[UUID] = set()
        self._woken = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None

    def labels(self, person_ids: Sequence[UUID | None]) -> list[str | None]:
        """The name of each identified person (None for a face nobody was matched to)."""
        labels = [None if p is None else self._people.name(p) for p in person_ids]
        unknown = {
            p for p, label in zip(person_ids, labels, strict=True) if p is not None and not label
        }
        if unknown:
            self._wanted |= unknown
            self._woken.set()
            self._start()
        return labels

    async def close(self) -> None:
        """Stop the lookups (at shutdown: a name not read by then is not needed)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    def _start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._look_up_all(), name="live-box-names")

    async def _look_up_all(self) -> None:
        backoff = Backoff(RETRY_INITIAL_S, RETRY_MAX_S)
        while True:
            await self._woken.wait()
            self._woken.clear()
            batch, self._wanted = self._wanted, set()
            try:
                async with asyncio.timeout(self._lookup_timeout_s):
                    await self._people.ensure(batch)
            except (TimeoutError, StoreError) as error:
                self.lookups_failed += 1
                # the next boxes ask again; meanwhile they go unnamed
                logger.info("face box names not read now: %s", error or "timed out")
                await asyncio.sleep(backoff.next_delay())
                continue
            backoff.reset()
