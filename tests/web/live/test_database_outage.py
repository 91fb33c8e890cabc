"""The live runtime while PostgreSQL is away or hangs: it keeps analysing, holds the writes,
and nobody becomes present twice."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager

import asyncpg
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from store.attendance import AttendanceStatus
from store.config import StoreConfig
from store.database import Database
from store.embedded import EmbeddedPostgres
from store.server import ensure_database
from tests.web.live.conftest import (
    STUDENTS,
    Cast,
    Live,
    Message,
    present,
    receive_for,
    receive_until,
    seed_classroom,
    until,
)
from web.live.runtime import LiveRuntime
from web.settings import Settings
from web.telemetry.metrics import Metrics

StartLive = Callable[[], AbstractAsyncContextManager[Live]]

BACK_WITHIN_S = 30.0  # after the restart, the analysis loop must be seen working again by then


@pytest.mark.slow
async def test_a_database_restart_while_a_camera_page_watches_stops_nothing_and_repeats_nothing(
    own_server: EmbeddedPostgres,
    analyzer: FaceAnalyzer,
    cast: Cast,
    executor: ThreadPoolExecutor,
) -> None:
    await ensure_database(own_server.dsn("postgres"), "rollcall")
    dsn = own_server.dsn("rollcall")
    store = StoreConfig(
        database_url=dsn, retry_initial_s=0.05, retry_max_s=0.5, data_dir=own_server.data_dir
    )
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


@pytest.mark.slow
async def test_a_hung_events_table_holds_up_no_camera_s_analysis_and_the_writes_land_after(
    db: Database,
    analyzer: FaceAnalyzer,
    cast: Cast,
    start_live: StartLive,
    database_url: str,
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    students = [room.people[name].id for name in STUDENTS]
    blocker = await asyncpg.connect(database_url)
    try:
        async with start_live() as live:
            runtime = live.runtime
            board = runtime.hub.subscribe(room.session.id)
            await until(lambda: _batches(runtime) > 0)
            hold = blocker.transaction()
            await hold.start()
            # every insert into the events table (unknown-face notices, the attendance writes'
            # announcements) now waits, as on a database that hangs instead of refusing
            await blocker.execute("LOCK TABLE events IN EXCLUSIVE MODE")
            await until(lambda: _unknown_faces(live) >= 1)  # the stranger, noticed meanwhile
            batches = _batches(runtime)
            await until(lambda: _batches(runtime) >= batches + 20, timeout_s=BACK_WITHIN_S)
            await hold.rollback()
            await receive_until(board, lambda got: any(m["type"] == "unknown_face" for m in got))
        rows = (await db.attendance.list_for_session(room.session.id)).items
    finally:
        await blocker.close()
    assert sorted((r.person_id, r.status) for r in rows) == sorted(
        (s, AttendanceStatus.PRESENT) for s in students
    )


def _unknown_faces(live: Live) -> float:
    return sum(
        sample.value
        for metric in live.metrics.registry.collect()
        for sample in metric.samples
        if sample.name == "rollcall_unknown_faces_total"
    )


def _batches(live: LiveRuntime) -> int:
    batches = live.details()["analysis_batches"]
    assert isinstance(batches, int)
    return batches
