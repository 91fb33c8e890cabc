"""Where the database is: the configured server, or the embedded one started for the block."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from store.backoff import Backoff
from store.config import StoreConfig
from store.embedded import EmbeddedPostgres
from store.errors import DatabaseUnavailable, translated_errors

logger = logging.getLogger(__name__)

# One connection attempt gives up after this long (a host that drops packets rather than
# refusing): the wait may overrun connect_timeout_s by as much.
ATTEMPT_TIMEOUT_S = 10.0


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dsn_with_database(dsn: str, database: str) -> str:
    """The same server's URL naming another database."""
    return urlunsplit(urlsplit(dsn)._replace(path="/" + database))


async def ensure_database(admin_dsn: str, name: str) -> bool:
    """Create database `name` through the server's `postgres` database; True if created."""
    with translated_errors():
        connection = await asyncpg.connect(admin_dsn)
        try:
            exists = await connection.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name
            )
            if exists:
                return False
            try:
                await connection.execute(f"CREATE DATABASE {quote_identifier(name)}")
            except asyncpg.DuplicateDatabaseError:
                return False  # another process created it just now
            logger.info("created database", extra={"database": name})
            return True
        finally:
            await connection.close()


async def wait_for_server(
    dsn: str, *, timeout_s: float, retry_initial_s: float, retry_max_s: float
) -> None:
    """Return once a connection to `dsn` opens; while the server cannot be reached (refused,
    unknown host, starting up, too many connections) retry with capped exponential backoff for
    up to `timeout_s`, logging each failed attempt, then raise its DatabaseUnavailable. Other
    errors (a wrong password, a missing database) are raised at once: waiting cannot fix them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    backoff = Backoff(retry_initial_s, retry_max_s)
    attempt = 0
    while True:
        attempt += 1
        try:
            with translated_errors():
                connection = await asyncpg.connect(dsn, timeout=ATTEMPT_TIMEOUT_S)
        except DatabaseUnavailable as error:
            left = deadline - loop.time()
            if left <= 0:
                if attempt == 1:
                    raise
                raise DatabaseUnavailable(
                    f"{error} (still after {attempt} attempts in {timeout_s:g} s; "
                    "ROLLCALL_STORE__CONNECT_TIMEOUT_S sets how long to wait)"
                ) from error.__cause__
            wait = min(backoff.next_delay(), left)
            logger.warning(
                "PostgreSQL unreachable at start (attempt %d), retrying in %.2f s: %s",
                attempt,
                wait,
                error,
                extra={"attempt": attempt, "retry_in_s": round(wait, 3)},
            )
            await asyncio.sleep(wait)
            continue
        await connection.close()
        if attempt > 1:
            logger.info("PostgreSQL reachable", extra={"attempt": attempt})
        return


@asynccontextmanager
async def database_server(config: StoreConfig) -> AsyncIterator[str]:
    """Yield the application database's URL.

    With `database_url` set that URL is used as is and no server is ever started; its server
    gets `connect_timeout_s` to answer (a service started beside its database, or by a
    supervisor during an outage, waits rather than exits). Otherwise the embedded server in
    `data_dir` is started (and stopped after the block, unless another process holds it) and
    the application database is created in it when missing.
    """
    if config.database_url is not None:
        await wait_for_server(
            config.database_url,
            timeout_s=config.connect_timeout_s,
            retry_initial_s=config.retry_initial_s,
            retry_max_s=config.retry_max_s,
        )
        yield config.database_url
        return
    async with EmbeddedPostgres(config.data_dir) as server:
        await ensure_database(server.dsn("postgres"), config.database_name)
        yield server.dsn(config.database_name)
