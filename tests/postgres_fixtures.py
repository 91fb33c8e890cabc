"""Real PostgreSQL for tests: one server per test session, one clean database per test.

The server is the embedded one in a short temporary folder, or the server of DATABASE_URL when
that is set (its role needs CREATEDB). A template database is migrated once; each test gets a
copy of it (CREATE DATABASE ... TEMPLATE), which is faster than migrating afresh each time.
Shared by the store's tests and, later, the web tests: import it from their conftest.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from store.database import migrate_database
from store.embedded import EmbeddedPostgres
from store.server import dsn_with_database, quote_identifier


def short_temp_dir() -> Path:
    """A temp folder with a short path: the Unix socket (107 bytes at most) lives in it."""
    return Path(tempfile.mkdtemp(prefix="rcpg-", dir="/tmp"))


class PostgresForTests:
    """A server for tests and a migrated template database on it."""

    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn
        self.template = f"rollcall_template_{os.getpid()}"

    async def _admin(self, sql: str) -> None:
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def trade_durability_for_speed(self) -> None:
        """Turn off fsync on a throw-away test server: each test database costs 3x less."""
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            await self._admin(f"ALTER SYSTEM SET {setting} = off")
        await self._admin("SELECT pg_reload_conf()")

    async def create_template(self) -> None:
        await self._admin(f"DROP DATABASE IF EXISTS {quote_identifier(self.template)}")
        await self._admin(f"CREATE DATABASE {quote_identifier(self.template)}")
        await migrate_database(dsn_with_database(self.admin_dsn, self.template))

    async def drop_template(self) -> None:
        await self._admin(f"DROP DATABASE IF EXISTS {quote_identifier(self.template)} WITH (FORCE)")

    async def create_database(self, *, migrated: bool = True) -> str:
        """A new database (a copy of the migrated template, or empty); returns its URL."""
        name = f"rollcall_test_{uuid.uuid4().hex[:12]}"
        template = f" TEMPLATE {quote_identifier(self.template)}" if migrated else ""
        await self._admin(f"CREATE DATABASE {quote_identifier(name)}{template}")
        return dsn_with_database(self.admin_dsn, name)

    async def drop_database(self, dsn: str) -> None:
        name = urlsplit(dsn).path.lstrip("/")
        await self._admin(f"DROP DATABASE IF EXISTS {quote_identifier(name)} WITH (FORCE)")


@contextmanager
def postgres_for_tests() -> Iterator[PostgresForTests]:
    """Start (or find) the session's server and its template; clean both up afterwards."""
    url = os.environ.get("DATABASE_URL")
    if url:
        postgres = PostgresForTests(url)
        try:
            asyncio.run(postgres.create_template())  # a failed migration leaves it half-made
            yield postgres
        finally:
            asyncio.run(postgres.drop_template())
        return
    folder = short_temp_dir()
    server = EmbeddedPostgres(folder)
    try:
        asyncio.run(server.start())
        postgres = PostgresForTests(server.dsn("postgres"))
        asyncio.run(postgres.trade_durability_for_speed())
        asyncio.run(postgres.create_template())
        yield postgres
    finally:
        asyncio.run(server.stop())
        shutil.rmtree(folder, ignore_errors=True)


@asynccontextmanager
async def stoppable_postgres() -> AsyncIterator[EmbeddedPostgres]:
    """An embedded server of a test's own, for tests that stop and restart it."""
    folder = short_temp_dir()
    server = EmbeddedPostgres(folder)
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        shutil.rmtree(folder, ignore_errors=True)
