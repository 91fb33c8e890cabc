"""Fixtures shared by every package's tests: the photos, one PostgreSQL, one model load."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from store.embedded import EmbeddedPostgres
from tests.postgres_fixtures import PostgresForTests, postgres_for_tests, stoppable_postgres

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FACES_DIR = PROJECT_ROOT.parent / "shared" / "faces"


@pytest.fixture(autouse=True)
def logging_as_it_was() -> Iterator[None]:
    """A test that runs the command line installs the process's log handler on a stream
    pytest closes after the test: put the root logger back, so no later line is written
    into a closed capture."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The labelled real-face photos beside the project (never copied into it)."""
    if not (FACES_DIR / "labels.csv").is_file():
        pytest.fail(f"real face photos not found at {FACES_DIR}: the tests need ../shared/faces")
    return FACES_DIR


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresForTests]:
    """One real PostgreSQL server for the whole run; each test makes its own database on it."""
    with postgres_for_tests() as server:
        yield server


@pytest.fixture(scope="session")
def analyzer() -> FaceAnalyzer:
    """The default pack on this machine's providers, loaded once for all tests."""
    return FaceAnalyzer.from_config(RecognizerConfig())


@pytest.fixture
async def own_server() -> AsyncIterator[EmbeddedPostgres]:
    """A PostgreSQL server of this test's own, since the test stops and restarts it."""
    async with stoppable_postgres() as server:
        yield server
