"""A DATABASE_URL that does not answer at start: the store waits with backoff, then gives up."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from store.config import StoreConfig
from store.database import Database
from store.embedded import SYSTEM_USER_AS_ROOT, EmbeddedPostgres, _embedded_postgres
from store.errors import DatabaseUnavailable
from tests.postgres_fixtures import short_temp_dir


@pytest.fixture
async def cluster() -> AsyncIterator[Path]:
    """An initialised embedded cluster, stopped: its data folder."""
    folder = short_temp_dir()
    await EmbeddedPostgres(folder).start()
    await EmbeddedPostgres(folder).stop()
    yield folder
    await EmbeddedPostgres(folder).stop()
    shutil.rmtree(folder, ignore_errors=True)


def serve_on_tcp(data_dir: Path, port: int) -> None:
    """Start the cluster listening on 127.0.0.1:`port` (the embedded default is a socket only)."""
    pgdata = data_dir / "pg"
    user = SYSTEM_USER_AS_ROOT if os.geteuid() == 0 else None
    _embedded_postgres().pg_ctl(
        ["-w", "-o", f"-h 127.0.0.1 -p {port} -k {pgdata}", "-l", str(pgdata / "log"), "start"],
        pgdata=pgdata,
        user=user,
        timeout=30,
    )


def waits_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "store.server" and r.levelno == logging.WARNING and hasattr(r, "attempt")
    ]


@pytest.mark.slow
async def test_the_store_waits_for_a_server_that_comes_up_after_it_started(
    cluster: Path, unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="store.server")
    config = StoreConfig(
        database_url=f"postgresql://postgres@127.0.0.1:{unused_tcp_port}/postgres",
        connect_timeout_s=30.0,
        retry_initial_s=0.05,
        retry_max_s=0.4,
    )

    async def open_and_ping() -> bool:
        async with Database.open(config) as db:
            return await db.ping()

    opening = asyncio.create_task(open_and_ping())
    deadline = time.monotonic() + 10
    while len(waits_logged(caplog)) < 2:  # it is waiting, not exiting
        assert not opening.done(), opening
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    await asyncio.to_thread(serve_on_tcp, cluster, unused_tcp_port)

    assert await asyncio.wait_for(opening, 30)
    attempts = [r.attempt for r in waits_logged(caplog)]  # type: ignore[attr-defined]
    assert attempts == list(range(1, len(attempts) + 1))
    delays = [r.retry_in_s for r in waits_logged(caplog)]  # type: ignore[attr-defined]
    assert delays[:2] == [0.05, 0.1] and max(delays) <= 0.4


async def test_a_server_that_never_answers_is_given_up_on_after_the_timeout(
    unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="store.server")
    config = StoreConfig(
        database_url=f"postgresql://postgres@127.0.0.1:{unused_tcp_port}/postgres",
        connect_timeout_s=1.0,
        retry_initial_s=0.05,
        retry_max_s=0.2,
    )
    started = time.monotonic()

    with pytest.raises(DatabaseUnavailable, match=r"PostgreSQL unavailable.*attempts in 1 s"):
        async with Database.open(config):
            pass

    assert 1.0 <= time.monotonic() - started < 5.0
    assert len(waits_logged(caplog)) >= 4


async def test_no_wait_at_all_with_a_zero_timeout(unused_tcp_port: int) -> None:
    config = StoreConfig(
        database_url=f"postgresql://postgres@127.0.0.1:{unused_tcp_port}/postgres",
        connect_timeout_s=0,
    )
    started = time.monotonic()

    with pytest.raises(DatabaseUnavailable, match="PostgreSQL unavailable"):
        async with Database.open(config):
            pass

    assert time.monotonic() - started < 2.0
