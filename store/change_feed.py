"""Following the change feed: every event, in feed order, after commit, across reconnects.

A listener holds its own connection with LISTEN on the channel. A notification only says
"something new": the listener then reads the outbox table after its cursor. When the connection
is lost it reconnects with backoff and reads from the same cursor, so the events announced
while it was away are delivered too, as long as they were not pruned yet. A slow re-read runs
every `poll_interval_s` as well, which releases events that were held back behind a transaction
still running when their notification arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType

import asyncpg

from store.backoff import Backoff
from store.errors import CONNECTION_ERRORS
from store.events import CHANNEL, Event, EventCursor, StartPoint, read_events_after, start_point

logger = logging.getLogger(__name__)

APPLICATION_NAME = "rollcall-change-feed"  # how the listener shows in pg_stat_activity


class ConnectionLost(Exception):
    """The listener's connection closed under it."""


# what ends a followed connection, to reconnect from (anything else is logged as a bug)
_LOST: tuple[type[BaseException], ...] = (ConnectionLost, asyncpg.PostgresError, *CONNECTION_ERRORS)


class ChangeFeed:
    """`async with ChangeFeed(dsn) as feed: async for event in feed: ...`

    Starts after `after` when given (resume from a saved `cursor`), else at the moment the
    feed first connects; entering then waits for that first connection. The feed never ends
    by itself: connection problems are retried with backoff and logged.
    """

    def __init__(
        self,
        dsn: str,
        *,
        after: EventCursor | None = None,
        retry_initial_s: float = 0.1,
        retry_max_s: float = 5.0,
        poll_interval_s: float = 1.0,
        batch_size: int = 500,
        queue_size: int = 1000,
    ) -> None:
        self._dsn = dsn
        self._read_cursor = after
        self._delivered = after
        self._start: StartPoint | None = None  # set when starting "now", until passed
        self._backoff = Backoff(retry_initial_s, retry_max_s)  # while connecting fails
        self._pause_after_loss_s = retry_initial_s
        self._poll_interval_s = poll_interval_s
        self._batch_size = batch_size
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=queue_size)
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reconnects = 0
        self._closing = False

    @property
    def cursor(self) -> EventCursor | None:
        """The position after the last event handed to the consumer: save it to resume."""
        return self._delivered

    @property
    def reconnects(self) -> int:
        """How many times the connection was lost and made again."""
        return self._reconnects

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def __aenter__(self) -> ChangeFeed:
        self._task = asyncio.create_task(self._run(), name="change-feed")
        if self._read_cursor is None:
            # "from now" is only defined once connected; a resumed feed needs no wait
            try:
                await self._connected.wait()
            except BaseException:
                # __aexit__ never runs for a failed __aenter__: the task would retry forever
                await self._stop()
                raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop()

    async def _stop(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            # asyncio.wait, not `await task` under suppress(CancelledError): that would also
            # swallow a cancellation of the task closing the feed
            await asyncio.wait({self._task})

    def __aiter__(self) -> ChangeFeed:
        return self

    async def __anext__(self) -> Event:
        event = await self._queue.get()  # cancelling this wait loses nothing
        self._delivered = event.cursor
        return event

    async def _run(self) -> None:
        while not self._closing:
            try:
                connection = await asyncpg.connect(
                    self._dsn, server_settings={"application_name": APPLICATION_NAME}
                )
            except Exception as error:
                # A refusal (database missing, password refused) is retried too: an operator
                # can fix it while we wait, and ending the task would leave consumers waiting
                # forever. It is logged louder than a server that is merely away.
                unreachable = isinstance(error, CONNECTION_ERRORS)
                delay = self._backoff.next_delay()
                logger.log(
                    logging.WARNING if unreachable else logging.ERROR,
                    "change feed cannot connect, retrying"
                    if unreachable
                    else "change feed connection refused, retrying",
                    extra={"error": str(error), "retry_in_s": delay},
                )
                await asyncio.sleep(delay)
                continue
            self._backoff.reset()
            try:
                await self._follow(connection)
            except _LOST as error:
                self._connected.clear()
                self._reconnects += 1
                logger.warning(
                    "change feed lost its connection, reconnecting",
                    extra={"error": str(error) or type(error).__name__},
                )
            except Exception:
                # a bug must not end the feed silently while consumers wait on it: say it, retry
                self._connected.clear()
                self._reconnects += 1
                logger.exception("change feed failed, reconnecting")
            finally:
                connection.terminate()
            await asyncio.sleep(self._pause_after_loss_s)

    async def _follow(self, connection: asyncpg.Connection) -> None:
        wake = asyncio.Event()
        await connection.add_listener(CHANNEL, lambda *_: wake.set())
        connection.add_termination_listener(lambda _: wake.set())
        if self._read_cursor is None:
            self._start = await start_point(connection)
            self._read_cursor = self._start.cursor
            self._delivered = self._read_cursor
        self._connected.set()
        while not self._closing:
            wake.clear()  # cleared before reading: a notification during the read wakes us again
            await self._catch_up(connection)
            if connection.is_closed():
                raise ConnectionLost("the listener's connection was closed")
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the wait completes, and the feed would then never stop
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval_s):
                    await wake.wait()

    async def _catch_up(self, connection: asyncpg.Connection) -> None:
        assert self._read_cursor is not None
        while True:
            events = await read_events_after(connection, self._read_cursor, self._batch_size)
            for event in events:
                if self._start is not None and event.xid >= self._start.xmax:
                    self._start = None
                if self._start is None or not self._start.committed_before(event):
                    await self._queue.put(event)
                self._read_cursor = event.cursor
            if len(events) < self._batch_size:
                return
