"""Fixtures of the service tests: the real application over a real database and real models.

`api` is an aiohttp test client on 127.0.0.1 serving `build_app` with a database of its own;
`admin` and `teacher` are signed-in users' headers. Live parts (cameras, presence, WebSocket
hub) are off in `api` (`services.live is None`); `live_services` and `running_live` add them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from store.config import StoreConfig
from store.database import Database
from store.passwords import hash_password
from store.users import Role, User
from tests.postgres_fixtures import PostgresForTests
from web.app import build_app
from web.http.services import RateLimits, Services
from web.live.runtime import LiveRuntime
from web.settings import Settings
from web.telemetry.metrics import Metrics


@pytest.fixture
async def database_url(postgres: PostgresForTests) -> AsyncIterator[str]:
    url = await postgres.create_database()
    yield url
    await postgres.drop_database(url)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings as a deployment would give them, pointing at this test's database."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        store=StoreConfig(
            database_url=database_url,
            retry_initial_s=0.05,
            retry_max_s=0.5,
            data_dir=tmp_path,  # the decision journal's folder: one per test
        ),
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    assert settings.store.database_url is not None
    async with Database.connect(
        settings.store.database_url, settings.store, settings.privacy
    ) as database:
        yield database


@pytest.fixture(scope="session")
def executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="test-cpu") as pool:
        yield pool


@pytest.fixture
def services(
    settings: Settings, db: Database, analyzer: FaceAnalyzer, executor: ThreadPoolExecutor
) -> Services:
    return Services(
        settings=settings,
        database=db,
        analyzer=analyzer,
        gallery=Gallery(settings.recognizer, analyzer.embedding_dim),
        metrics=Metrics(),
        executor=executor,
        limits=RateLimits.from_settings(settings),
    )


@asynccontextmanager
async def running_live(services: Services) -> AsyncIterator[LiveRuntime]:
    """A live runtime (cameras, presence engine, hub) attached to `services` for the block."""
    async with LiveRuntime(
        services.settings,
        services.database,
        services.analyzer,
        services.gallery,
        services.metrics,
        services.executor,
    ) as live:
        services.live = live
        try:
            yield live
        finally:
            services.live = None


@pytest.fixture
async def live_services(services: Services) -> AsyncIterator[Services]:
    """The services with a running live runtime; cameras stored before it start with it."""
    async with running_live(services):
        yield services


@pytest.fixture
async def api(aiohttp_client, services: Services) -> TestClient:
    return await aiohttp_client(build_app(services))


@dataclass(frozen=True)
class SignedIn:
    user: User
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def sign_in_as(db: Database, username: str, role: Role) -> SignedIn:
    password = f"{username}-correct-horse-battery"
    user = await db.users.create(
        username=username, password_hash=hash_password(password), role=role
    )
    token = await db.users.issue_token(user.id, timedelta(hours=1))
    return SignedIn(user, password, token)


@pytest.fixture
async def admin(db: Database) -> SignedIn:
    return await sign_in_as(db, "ada-admin", Role.ADMIN)


@pytest.fixture
async def teacher(db: Database) -> SignedIn:
    return await sign_in_as(db, "tom-teacher", Role.TEACHER)


@pytest.fixture
def environment(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """For commands run in-process: they read DATABASE_URL like a deployment, and no stray
    .env is picked up."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return tmp_path
