"""Store test fixtures: one PostgreSQL per session, a clean database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from store.config import StoreConfig
from store.database import Database
from tests.postgres_fixtures import PostgresForTests, postgres_for_tests


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresForTests]:
    with postgres_for_tests() as server:
        yield server


@pytest.fixture
async def database_url(postgres: PostgresForTests) -> AsyncIterator[str]:
    """A freshly migrated database of its own for this test."""
    url = await postgres.create_database()
    yield url
    await postgres.drop_database(url)


@pytest.fixture
def store_config(database_url: str) -> StoreConfig:
    return StoreConfig(database_url=database_url, retry_initial_s=0.05, retry_max_s=0.5)


@pytest.fixture
async def db(store_config: StoreConfig, database_url: str) -> AsyncIterator[Database]:
    async with Database.connect(database_url, store_config) as database:
        yield database
