"""Attendance writes of the presence engine, journaled, through the store's write buffer, timed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from types import TracebackType
from uuid import UUID

from store.attendance import AttendanceUpsert, Sighting
from store.database import Database
from store.journal import JournalEntry
from store.write_buffer import AttendanceWriteBuffer
from web.live.journal import LiveJournal
from web.telemetry.metrics import Metrics

logger = logging.getLogger(__name__)


class AttendanceWriter:
    """`async with AttendanceWriter(database, metrics) as writer: await writer.submit(s)`.

    A decision (`submit(s, decision=True)`: a present or late verdict) is appended to the
    decision journal first, when there is one, and settled there once committed: a crash, or
    a shutdown that gives up waiting for an absent database, loses none of them, since the
    next start replays what the journal holds (`replay`). Last-seen refreshes are not
    journaled: losing one loses no decision.

    A write the database fences (its camera's lease had changed hands before the frame was
    seen: store/attendance.py) counts in `rollcall_db_writes_fenced_total` and is settled.

    Leaving flushes what is still buffered (waiting up to `shutdown_timeout_s` for an absent
    database). `rollcall_db_write_seconds` observes each committed batch as the time since its
    oldest write was submitted (queueing plus the write: what an outage or a slow database
    shows as); `rollcall_db_buffered_writes` follows the buffer's depth.
    """

    def __init__(
        self,
        database: Database,
        metrics: Metrics,
        shutdown_timeout_s: float = 30.0,
        journal: LiveJournal | None = None,
    ) -> None:
        self._metrics = metrics
        self._journal = journal
        self._submitted: dict[tuple[UUID, UUID], float] = {}
        self._buffer: AttendanceWriteBuffer = database.write_buffer(
            on_written=self._written,
            shutdown_timeout_s=shutdown_timeout_s,
            on_settled=self._settled,
            journaled=journal is not None,
            on_fenced=self._fenced,
        )

    @property
    def buffer(self) -> AttendanceWriteBuffer:
        return self._buffer

    @property
    def crowded(self) -> bool:
        """Half the buffer or more is taken (the database has been away a while): the rest is
        kept for present events, since a full buffer holds up whoever submits."""
        return self._buffer.depth * 2 >= self._buffer.capacity

    async def __aenter__(self) -> AttendanceWriter:
        await self._buffer.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._buffer.__aexit__(exc_type, exc, tb)
        finally:
            self._metrics.db_buffered_writes.set(self._buffer.depth)

    async def replay(self, sightings: Sequence[Sighting], wait_s: float) -> None:
        """Decisions a previous run journaled and may not have committed: written again with
        their own write ids (the database recognises those it has), ahead of anything new,
        and waited for up to `wait_s` so that the engine, seeded from the database next,
        knows these people as seen. Those still pending then land when the database can
        take them."""
        if not sightings:
            return
        for sighting in sightings:
            await self._queue(sighting)
        try:
            async with asyncio.timeout(wait_s):
                await self._buffer.flush()
        except TimeoutError:
            logger.warning(
                "journaled decisions wait for the database",
                extra={"pending": self._buffer.depth},
            )
        else:
            logger.info("journaled decisions replayed", extra={"replayed": len(sightings)})

    async def submit(self, sighting: Sighting, *, decision: bool = False) -> None:
        if decision:
            journaled = self._journal is not None and await self._journal.append(
                JournalEntry.of_sighting(sighting)
            )
            logger.info(
                "attendance decided",
                extra={
                    "session_id": str(sighting.session_id),
                    "person_id": str(sighting.person_id),
                    "status": sighting.status.value,
                    "seen_at": sighting.seen_at.isoformat(),
                    "write_id": str(sighting.write_id),
                    "journaled": journaled,
                },
            )
        await self._queue(sighting)

    async def _queue(self, sighting: Sighting) -> None:
        if self._buffer.depth == 0:
            # nothing pending: what is left are writes the database refused for good, never
            # reported as written, which would otherwise stay here for the process's life
            self._submitted.clear()
        self._submitted.setdefault((sighting.session_id, sighting.person_id), time.monotonic())
        await self._buffer.submit(sighting)
        self._metrics.db_buffered_writes.set(self._buffer.depth)

    async def _written(self, results: Sequence[AttendanceUpsert]) -> None:
        now = time.monotonic()
        started = [
            self._submitted.pop((r.record.session_id, r.record.person_id), now)
            for r in results
            if r.record.person_id is not None
        ]
        if started:
            self._metrics.db_write_seconds.observe(now - min(started))
        self._metrics.db_buffered_writes.set(self._buffer.depth)

    async def _fenced(self, refused: Sequence[Sighting]) -> None:
        self._metrics.db_writes_fenced.inc(len(refused))

    async def _settled(self, batch: Sequence[Sighting]) -> None:
        if self._journal is not None:
            await self._journal.settle(s.write_id for s in batch)
