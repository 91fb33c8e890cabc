"""The live runtime across a PostgreSQL restart: it keeps analysing, and nobody becomes
present twice."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from store.attendance import AttendanceStatus
from store.config import StoreConfig
from store.database import Database
from store.embedded import EmbeddedPostgres
from store.server import ensure_database
from tests.postgres_fixtures import short_temp_dir
from tests.web.live.conftest import (
    STUDENTS,
    Cast,
    Message,
    present,
    receive_for,
    receive_until,
    seed_classroom,
    until,
)
from web.live.runtime import LiveRuntime
from web.metrics import Metrics
from web.settings import Settings

BACK_WITHIN_S = 30.0  # after the restart, the analysis loop must be seen working again by then


@pytest.fixture
async def own_server() -> AsyncIterator[EmbeddedPostgres]:
    """An embedded server of this test's own, since the test stops it."""
    folder = short_temp_dir()
    server = EmbeddedPostgres(folder)
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
async def test_a_database_restart_while_a_camera_page_watches_stops_nothing_and_repeats_nothing(
    own_server: EmbeddedPostgres,
    analyzer: FaceAnalyzer,
    cast: Cast,
    executor: ThreadPoolExecutor,
) -> None:
    await ensure_database(own_server.dsn("postgres"), "rollcall")
    dsn = own_server.dsn("rollcall")
    store = StoreConfig(database_url=dsn, retry_initial_s=0.05, retry_max_s=0.5)
    settings = Settings(_env_file=None, database_url=dsn, store=store)
    async with Database.connect(dsn, store) as db:
        room = await seed_classroom(db, cast, analyzer.pack_name)
        students = [room.people[name].id for name in STUDENTS]
        names = {room.people[name].display_name for name in STUDENTS}
        gallery = Gallery(settings.recognizer, analyzer.embedding_dim)
        async with LiveRuntime(settings, db, analyzer, gallery, Metrics(), executor) as live:
            board = live.hub.subscribe(room.session.id)
            await receive_until(board, lambda got: all(present(got, s) for s in students))

            await own_server.stop()
            # A camera page opens while the database is away: its face boxes need the
            # students' names, which cannot be read now.
            page = live.hub.subscribe(None, camera_id=room.camera.id)
            batches = _batches(live)
            await until(lambda: _batches(live) >= batches + 10, timeout_s=BACK_WITHIN_S)
            await own_server.start()

            def named(messages: list[Message]) -> bool:
                return any(
                    box["label"] in names
                    for m in messages
                    if m["type"] == "faces"
                    for box in m["boxes"]
                )

            await receive_until(page, named, timeout_s=BACK_WITHIN_S)
            after_restart = await receive_for(board, 2.0)
        rows = (await db.attendance.list_for_session(room.session.id)).items

    assert not [m for s in students for m in present(after_restart, s)]
    assert sorted((r.person_id, r.status) for r in rows) == sorted(
        (s, AttendanceStatus.PRESENT) for s in students
    )


def _batches(live: LiveRuntime) -> int:
    batches = live.details()["analysis_batches"]
    assert isinstance(batches, int)
    return batches
