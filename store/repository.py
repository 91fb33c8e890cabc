"""What every repository shares: a pool, error translation, transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from store.errors import translated_errors

# What statements run on: a connection of its own (the change feed's, migrations at start) or
# one a pool lends (a transaction); asyncpg types the two apart though they answer alike.
Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy


class Repository:
    """Base of the per-aggregate repositories; each method is one short transaction."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        with translated_errors():
            return await self._pool.fetch(sql, *args)

    async def _fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        with translated_errors():
            return await self._pool.fetchrow(sql, *args)

    async def _fetchval(self, sql: str, *args: Any) -> Any:
        with translated_errors():
            return await self._pool.fetchval(sql, *args)

    async def _execute(self, sql: str, *args: Any) -> str:
        with translated_errors():
            return await self._pool.execute(sql, *args)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        with translated_errors():
            async with self._pool.acquire() as connection, connection.transaction():
                yield connection


def affected(status: str) -> int:
    """The row count of an asyncpg command status such as 'DELETE 3'."""
    return int(status.rsplit(" ", 1)[-1])
