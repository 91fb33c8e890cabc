"""The embedded server: started when no URL is configured, socket only, stopped cleanly."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import platformdirs
import pytest

from store.config import ROOT_DATA_DIR, StoreConfig, default_data_dir
from store.database import Database
from store.embedded import EmbeddedPostgres
from tests.postgres_fixtures import short_temp_dir


@pytest.fixture
async def data_dir() -> AsyncIterator[Path]:
    folder = short_temp_dir()
    yield folder
    # a test that failed or timed out while the store was starting may leave its server running
    await EmbeddedPostgres(folder).stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
async def test_with_no_url_the_store_runs_its_own_server_on_a_unix_socket_only(
    data_dir: Path,
) -> None:
    config = StoreConfig(data_dir=data_dir)

    async with Database.open(config) as db:
        person = await db.people.create(external_id="S-1", display_name="Kept")
        connection = await asyncpg.connect(db.dsn)
        try:
            listen = await connection.fetchval("SHOW listen_addresses")
            database = await connection.fetchval("SELECT current_database()")
        finally:
            await connection.close()
        assert (await db.migration_status()).up_to_date
    stopped = not EmbeddedPostgres(data_dir).running

    async with Database.open(config) as again:  # a warm start keeps the data
        assert (await again.people.get(person.id)).display_name == "Kept"

    assert listen == "" and database == "rollcall"
    assert (data_dir / "pg" / ".s.PGSQL.5432").exists() is False  # removed when stopped
    assert (data_dir / "pg" / "PG_VERSION").is_file()
    assert stopped


@pytest.mark.slow
async def test_a_start_cancelled_half_way_leaves_no_server_running(data_dir: Path) -> None:
    async def run_until_cancelled() -> None:
        async with EmbeddedPostgres(data_dir):
            await asyncio.Event().wait()

    task = asyncio.create_task(run_until_cancelled())
    await asyncio.sleep(0.2)  # initdb takes seconds: the cancellation lands while starting
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    appeared = False
    for _ in range(50):  # a start left running in its thread would bring the server up now
        appeared = appeared or (data_dir / "pg" / "postmaster.pid").exists()
        await asyncio.sleep(0.1)

    assert not appeared and not EmbeddedPostgres(data_dir).running


async def test_with_a_url_no_server_is_started(database_url: str, data_dir: Path) -> None:
    unused = data_dir / "never"
    config = StoreConfig(database_url=database_url, data_dir=unused)

    async with Database.open(config) as db:
        assert await db.ping()

    assert not unused.exists()


def test_the_default_data_folder_is_harmless_to_open_up_as_root() -> None:
    expected = ROOT_DATA_DIR if os.geteuid() == 0 else platformdirs.user_data_path("rollcall")
    assert default_data_dir() == expected
    assert StoreConfig().data_dir == expected
    assert StoreConfig().embedded


def test_inconsistent_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="pool_min_size"):
        StoreConfig(pool_min_size=5, pool_max_size=2)
    with pytest.raises(ValueError, match="database_name"):
        StoreConfig(database_name="Robert'); DROP TABLE")
