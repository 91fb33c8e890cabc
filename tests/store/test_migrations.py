"""Migrations: applied in order from empty, idempotent, safe when raced, refused when newer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from store.database import database_status, migrate_database
from store.errors import MigrationError, SchemaTooNew
from store.migrations import Migration, load_migrations, migrate
from tests.postgres_fixtures import PostgresForTests


@pytest.fixture
async def empty_database(postgres: PostgresForTests) -> AsyncIterator[str]:
    url = await postgres.create_database(migrated=False)
    yield url
    await postgres.drop_database(url)


def test_shipped_migrations_are_numbered_from_one_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "initial"


async def test_an_empty_database_gets_every_migration_recorded_with_its_checksum(
    empty_database: str,
) -> None:
    applied = await migrate_database(empty_database)

    shipped = load_migrations()
    assert applied == tuple(m.version for m in shipped)
    status = await database_status(empty_database)
    assert status.up_to_date
    assert status.current_version == shipped[-1].version
    connection = await asyncpg.connect(empty_database)
    try:
        rows = await connection.fetch("SELECT version, checksum FROM schema_migrations")
        tables = await connection.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename IN ('people', 'face_templates', 'attendance', 'events', 'audit_log')"
        )
    finally:
        await connection.close()
    assert {(r["version"], r["checksum"]) for r in rows} == {
        (m.version, m.checksum) for m in shipped
    }
    assert tables == 5


async def test_running_migrations_again_applies_nothing(empty_database: str) -> None:
    await migrate_database(empty_database)
    assert await migrate_database(empty_database) == ()


async def test_two_processes_migrating_at_once_apply_each_migration_once(
    empty_database: str,
) -> None:
    results = await asyncio.gather(
        migrate_database(empty_database), migrate_database(empty_database)
    )

    assert sorted(results, key=len) == [(), tuple(m.version for m in load_migrations())]


async def test_an_empty_database_reports_every_migration_pending(empty_database: str) -> None:
    status = await database_status(empty_database)

    assert status.current_version == 0
    assert status.pending == tuple(m.version for m in load_migrations())
    assert not status.up_to_date


async def test_a_database_migrated_by_newer_code_refuses_to_start(empty_database: str) -> None:
    newer = (*load_migrations(), Migration(len(load_migrations()) + 1, "future", "SELECT 1"))
    connection = await asyncpg.connect(empty_database)
    try:
        await migrate(connection, newer)
        with pytest.raises(SchemaTooNew, match="newer Rollcall"):
            await migrate(connection)
    finally:
        await connection.close()
    status = await database_status(empty_database)
    assert status.unknown == (newer[-1].version,)


async def test_an_edited_migration_that_was_already_applied_is_refused(
    empty_database: str,
) -> None:
    shipped = load_migrations()
    edited = (*shipped[:-1], Migration(shipped[-1].version, shipped[-1].name, "SELECT 2"))
    connection = await asyncpg.connect(empty_database)
    try:
        await migrate(connection)
        with pytest.raises(MigrationError, match="never be edited"):
            await migrate(connection, edited)
    finally:
        await connection.close()


async def test_a_failing_migration_leaves_the_database_untouched(empty_database: str) -> None:
    broken = (*load_migrations(), Migration(len(load_migrations()) + 1, "broken", "SELEC nope"))
    connection = await asyncpg.connect(empty_database)
    try:
        with pytest.raises(MigrationError, match="broken failed"):
            await migrate(connection, broken)
        people_table = await connection.fetchval("SELECT to_regclass('people') IS NOT NULL")
    finally:
        await connection.close()
    assert people_table is False
