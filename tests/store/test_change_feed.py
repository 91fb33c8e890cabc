"""The change feed: after commit only, in order, nothing missed across a dropped connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from uuid import uuid4

import asyncpg
import pytest

from store.change_feed import APPLICATION_NAME, ChangeFeed
from store.database import Database, migrate_database
from store.events import Event, EventKind, append_event
from store.server import dsn_with_database, ensure_database
from tests.postgres_fixtures import PostgresForTests
from tests.store.conftest import settled_events

WAIT_S = 10.0  # bound on every wait for an event that must come


async def _next(feed: ChangeFeed) -> Event:
    return await asyncio.wait_for(anext(feed), WAIT_S)


async def _take(feed: ChangeFeed, n: int) -> list[Event]:
    return [await _next(feed) for _ in range(n)]


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(int(WAIT_S / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


def _feed_tasks() -> int:
    return sum(1 for task in asyncio.all_tasks() if task.get_name() == "change-feed")


@asynccontextmanager
async def _writer(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()


async def _announce(connection: asyncpg.Connection, n: object) -> None:
    async with connection.transaction():
        await append_event(connection, EventKind.CAMERA_CHANGED, {"n": n})


async def test_an_event_reaches_another_connection_after_commit_and_never_after_rollback(
    db: Database, database_url: str
) -> None:
    async with db.change_feed() as feed, _writer(database_url) as writer:
        transaction = writer.transaction()
        await transaction.start()
        await append_event(writer, EventKind.CAMERA_CHANGED, {"n": "rolled back"})
        await transaction.rollback()

        transaction = writer.transaction()
        await transaction.start()
        await append_event(writer, EventKind.CAMERA_CHANGED, {"n": "committed"})
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(feed), 0.5)  # not yet: the transaction is open
        await transaction.commit()

        event = await _next(feed)

    assert event.kind == "camera.changed" and event.payload == {"n": "committed"}


async def test_events_come_in_order_with_one_committed_late_after_a_higher_id(
    db: Database, database_url: str
) -> None:
    async with (
        db.change_feed() as feed,
        _writer(database_url) as slow,
        _writer(database_url) as fast,
    ):
        slow_transaction = slow.transaction()
        await slow_transaction.start()
        await append_event(slow, EventKind.CAMERA_CHANGED, {"n": "slow"})  # the lower id
        await _announce(fast, 1)  # a higher id, committed first
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(feed), 0.5)  # held back behind the open transaction
        await slow_transaction.commit()

        events = await _take(feed, 2)

    assert [e.payload["n"] for e in events] == ["slow", 1]
    assert events[0].id < events[1].id


async def test_a_listener_whose_connection_is_killed_catches_up_on_what_it_missed(
    db: Database, database_url: str
) -> None:
    feed = ChangeFeed(database_url, retry_initial_s=1.0, retry_max_s=1.0, poll_interval_s=0.2)
    async with feed, _writer(database_url) as writer:
        await _announce(writer, 0)
        assert (await _next(feed)).payload == {"n": 0}

        killed = await writer.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = current_database()",
            APPLICATION_NAME,
        )
        for _ in range(int(WAIT_S / 0.01)):  # until the listener notices, bounded
            if not feed.connected:
                break
            await asyncio.sleep(0.01)
        for n in range(1, 6):
            await _announce(writer, n)
        written_while_away = not feed.connected

        events = await _take(feed, 5)

    assert killed == 1 and written_while_away
    assert [e.payload["n"] for e in events] == [1, 2, 3, 4, 5]
    assert feed.reconnects == 1


async def test_a_new_listener_resumes_from_a_saved_cursor(db: Database, database_url: str) -> None:
    async with _writer(database_url) as writer:
        async with db.change_feed() as feed:
            await _announce(writer, 1)
            await _next(feed)
            saved = feed.cursor
        await _announce(writer, 2)
        await _announce(writer, 3)

        async with db.change_feed(after=saved) as resumed:
            events = await _take(resumed, 2)

    assert saved is not None
    assert [e.payload["n"] for e in events] == [2, 3]


async def test_old_events_are_pruned_by_age(db: Database, database_url: str) -> None:
    async with _writer(database_url) as writer:
        await _announce(writer, 1)
        await _announce(writer, 2)
        await writer.execute(
            "UPDATE events SET created_at = now() - interval '4 days' WHERE payload->>'n' = '1'"
        )

    pruned = await db.events.prune(timedelta(days=3))
    left = await settled_events(db, 1)

    assert pruned == 1
    assert [e.payload for e in left] == [{"n": 2}]


async def test_a_listener_started_before_its_database_exists_follows_it_once_created(
    postgres: PostgresForTests,
) -> None:
    name = f"rollcall_late_{uuid4().hex[:12]}"
    dsn = dsn_with_database(postgres.admin_dsn, name)
    feed = ChangeFeed(dsn, retry_initial_s=0.05, retry_max_s=0.2, poll_interval_s=0.2)

    async def first_event() -> Event:
        async with feed:
            return await anext(feed)

    listener = asyncio.create_task(first_event())
    try:
        await asyncio.sleep(0.5)  # several refused attempts: "database does not exist"
        refused_meanwhile = not feed.connected and not listener.done()
        await ensure_database(postgres.admin_dsn, name)
        await migrate_database(dsn)
        await _until(lambda: feed.connected)
        async with _writer(dsn) as writer:
            await _announce(writer, 1)
        event = await asyncio.wait_for(listener, WAIT_S)
    finally:
        listener.cancel()
        await postgres.drop_database(dsn)

    assert refused_meanwhile
    assert event.payload == {"n": 1}


async def test_giving_up_while_entering_leaves_no_listener_behind() -> None:
    nowhere = f"postgresql://postgres@/x?host=/tmp/rcpg-none-{uuid4().hex[:8]}"  # no server
    before = _feed_tasks()

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3), ChangeFeed(nowhere, retry_initial_s=0.05):
            pass  # never reached: there is no server to connect to

    assert _feed_tasks() == before


async def test_a_new_listener_hears_nothing_committed_before_it_started(
    db: Database, database_url: str
) -> None:
    async with _writer(database_url) as open_one, _writer(database_url) as writer:
        older = open_one.transaction()
        await older.start()
        await append_event(open_one, EventKind.CAMERA_CHANGED, {"n": "older, still open"})
        await _announce(writer, "before")  # committed while the older one is still open

        async with db.change_feed() as feed:
            await _announce(writer, "after")
            await older.commit()  # committed after the listener started: it is news
            events = await _take(feed, 2)

    assert sorted(str(e.payload["n"]) for e in events) == ["after", "older, still open"]
