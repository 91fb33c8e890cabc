"""Where the database is: the configured server, or the embedded one started for the block."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from store.config import StoreConfig
from store.embedded import EmbeddedPostgres
from store.errors import translated_errors

logger = logging.getLogger(__name__)


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


@asynccontextmanager
async def database_server(config: StoreConfig) -> AsyncIterator[str]:
    """Yield the application database's URL.

    With `database_url` set that URL is used as is and no server is ever started. Otherwise the
    embedded server in `data_dir` is started (and stopped after the block, if this process
    started it) and the application database is created in it when missing.
    """
    if config.database_url is not None:
        yield config.database_url
        return
    async with EmbeddedPostgres(config.data_dir) as server:
        await ensure_database(server.dsn("postgres"), config.database_name)
        yield server.dsn(config.database_name)
