"""The attendance write buffer: sightings wait here while PostgreSQL is unreachable.

Writes are taken in submission order, sent in batches, and a batch that fails because the
database is away is retried, the same batch in the same order, with exponential backoff until
it lands. Every write carries its id, so a batch whose commit happened but whose reply was lost
is not counted twice when retried.

When the buffer is full, `submit` waits for room: back-pressure on the producer rather than
dropping, because a dropped sighting could be the one that marks a student present. A
producer that must never wait can check `depth` against `capacity` first.

Closing flushes, but waits at most `shutdown_timeout_s` for an absent database: what is still
buffered then is left, logged, and counted in `abandoned` (lost, unless the caller journaled it:
see store/journal.py). `on_settled` hears of every write once it is committed, recognised as
committed before, or refused for good: what a journal may then forget. A write fenced by its
camera's lease (store/attendance.py) is refused for good: counted in `fenced`, logged, told to
`on_fenced`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from uuid import UUID

from store.attendance import Attendance, AttendanceUpsert, Sighting
from store.backoff import Backoff
from store.errors import DatabaseUnavailable, StoreError

logger = logging.getLogger(__name__)

WrittenCallback = Callable[[Sequence[AttendanceUpsert]], Awaitable[None]]
SettledCallback = Callable[[Sequence[Sighting]], Awaitable[None]]
FencedCallback = Callable[[Sequence[Sighting]], Awaitable[None]]


class AttendanceWriteBuffer:
    """`async with AttendanceWriteBuffer(db.attendance) as buffer: await buffer.submit(s)`.

    Leaving the block flushes everything still buffered (waiting for the database if needed).
    """

    def __init__(
        self,
        attendance: Attendance,
        *,
        capacity: int = 10_000,
        batch_size: int = 500,
        retry_initial_s: float = 0.1,
        retry_max_s: float = 5.0,
        on_written: WrittenCallback | None = None,
        shutdown_timeout_s: float = 30.0,
        on_settled: SettledCallback | None = None,
        journaled: bool = False,
        on_fenced: FencedCallback | None = None,
    ) -> None:
        self._attendance = attendance
        self._queue: asyncio.Queue[Sighting] = asyncio.Queue(maxsize=capacity)
        self._capacity = capacity
        self._batch_size = batch_size
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._on_written = on_written
        self._on_settled = on_settled
        self._on_fenced = on_fenced
        self._journaled = journaled
        self._shutdown_timeout_s = shutdown_timeout_s
        self._abandoned = 0
        self._in_flight = 0
        self._written = 0
        self._rejected = 0
        self._fenced = 0
        self._failed_attempts = 0
        self._available = True
        self._task: asyncio.Task[None] | None = None

    @property
    def depth(self) -> int:
        """Writes not yet committed (queued plus the batch being written): the metric.

        At most `capacity` queued plus one batch (`batch_size`) in flight.
        """
        return self._queue.qsize() + self._in_flight

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def written(self) -> int:
        """Writes committed (or recognised as committed before) since the start."""
        return self._written

    @property
    def rejected(self) -> int:
        """Writes the database refused for good (e.g. the session was deleted meanwhile)."""
        return self._rejected

    @property
    def fenced(self) -> int:
        """Writes refused because their camera's lease had changed hands before their frame
        was seen (the process had lost the camera)."""
        return self._fenced

    @property
    def failed_attempts(self) -> int:
        """Batch attempts that failed because the database was unreachable."""
        return self._failed_attempts

    @property
    def abandoned(self) -> int:
        """Writes still buffered when closing gave up waiting for the database."""
        return self._abandoned

    @property
    def database_available(self) -> bool:
        """False from a failed attempt until the next successful one."""
        return self._available

    async def __aenter__(self) -> AttendanceWriteBuffer:
        self._task = asyncio.create_task(self._run(), name="attendance-write-buffer")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation of
            # the closing task that arrives just as the flush completes
            async with asyncio.timeout(self._shutdown_timeout_s):
                await self.flush()
        except TimeoutError:
            self._abandoned = self.depth
            if self._journaled:
                logger.warning(
                    "attendance writes left to the journal at shutdown: the database stayed "
                    "unreachable (decisions are replayed at the next start; last-seen "
                    "refreshes are dropped)",
                    extra={"abandoned": self._abandoned},
                )
            else:
                logger.error(
                    "attendance writes abandoned at shutdown: the database stayed unreachable",
                    extra={"abandoned": self._abandoned},
                )
        finally:
            if self._task is not None:
                self._task.cancel()
                # asyncio.wait, not `await task` under suppress(CancelledError): that would
                # also swallow a cancellation of the closing task itself
                await asyncio.wait({self._task})

    async def submit(self, sighting: Sighting) -> None:
        """Queue a write; waits while the buffer is full."""
        if self._task is None or self._task.done():
            raise StoreError("the attendance write buffer is not running")
        await self._queue.put(sighting)

    async def flush(self) -> None:
        """Wait until every write submitted so far is committed or rejected."""
        await self._queue.join()

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            self._in_flight = len(batch)
            try:
                await self._write(batch)
            finally:
                self._in_flight = 0
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, batch: list[Sighting]) -> None:
        backoff = Backoff(self._retry_initial_s, self._retry_max_s)
        while True:
            try:
                outcome = await self._attendance.record_batch(batch)
            except DatabaseUnavailable as error:
                self._failed_attempts += 1
                if self._available:
                    logger.warning(
                        "database unavailable, holding attendance writes",
                        extra={"depth": self.depth, "error": str(error)},
                    )
                self._available = False
                await asyncio.sleep(backoff.next_delay())
                continue
            except StoreError:
                await self._write_one_by_one(batch)
                return
            except Exception:
                # unexpected: keep the writes and retry rather than lose them or stop the worker
                self._failed_attempts += 1
                logger.exception("attendance write failed unexpectedly, retrying")
                await asyncio.sleep(backoff.next_delay())
                continue
            if not self._available:
                logger.warning("database back, attendance writes resumed")
            self._available = True
            self._written += len(batch) - len(outcome.fenced)
            await self._announce(outcome.upserts)
            if outcome.fenced:
                await self._refuse_fenced(batch, set(outcome.fenced))
            await self._settled(batch)
            return

    async def _refuse_fenced(self, batch: list[Sighting], fenced: set[UUID]) -> None:
        refused = [s for s in batch if s.write_id in fenced]
        self._fenced += len(refused)
        logger.warning(
            "attendance writes refused: their camera's lease changed hands before their frames "
            "were seen (this process had lost the camera)",
            extra={
                "fenced": len(refused),
                "camera_ids": sorted({str(s.camera_id) for s in refused}),
            },
        )
        if self._on_fenced is not None:
            try:
                await self._on_fenced(refused)
            except Exception:
                logger.exception("attendance fenced callback failed")

    async def _write_one_by_one(self, batch: list[Sighting]) -> None:
        """A batch the database refused: land every write that can land, count the others."""
        if len(batch) > 1:
            for sighting in batch:
                await self._write([sighting])
            return
        self._rejected += 1
        logger.error(
            "attendance write refused by the database, dropped",
            extra={"session_id": str(batch[0].session_id), "person_id": str(batch[0].person_id)},
        )
        await self._settled(batch)

    async def _settled(self, batch: Sequence[Sighting]) -> None:
        if self._on_settled is not None:
            try:
                await self._on_settled(batch)
            except Exception:
                logger.exception("attendance settled callback failed")

    async def _announce(self, results: Sequence[AttendanceUpsert]) -> None:
        if self._on_written is not None and results:
            try:
                await self._on_written(results)
            except Exception:
                logger.exception("attendance write callback failed")
