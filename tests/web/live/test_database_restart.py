"""A database that restarts in the middle of a class loses no attendance event.

The students step into view while PostgreSQL is down: their present events wait in the write
buffer, land once the server is back, and reach the board through the change feed once it
has reconnected: each exactly once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from recognizer.images import load_image
from store.attendance import AttendanceStatus
from store.config import StoreConfig
from store.database import Database
from store.embedded import EmbeddedPostgres
from store.server import ensure_database
from tests.web.live.conftest import (
    CLIP_FPS,
    CLIP_SIZE,
    SEATS,
    STUDENTS,
    Cast,
    present,
    receive_for,
    receive_until,
    seed_classroom,
    until,
)
from web.demo.scene import Actor, write_scene
from web.live.runtime import LiveRuntime
from web.settings import Settings
from web.telemetry.metrics import Metrics

ENTER_S = 12.0  # late enough that the server is down before anyone is seen, even under load
CLIP_SECONDS = 16.0

pytestmark = pytest.mark.slow


@pytest.fixture
def late_entry_clip(faces_dir: Path, tmp_path: Path) -> Path:
    actors = [
        Actor(
            image=load_image(sorted((faces_dir / "lfw" / name).glob("*.jpg"))[1]),
            enter_s=ENTER_S,
            exit_s=CLIP_SECONDS,
            start=SEATS[name][0],
            end=SEATS[name][1],
            height=0.42,
            name=name,
        )
        for name in STUDENTS
    ]
    return write_scene(tmp_path / "late.mp4", actors, CLIP_SIZE, CLIP_FPS, seconds=CLIP_SECONDS)


async def test_students_seen_while_postgres_is_down_are_present_once_after_it_returns(
    own_server: EmbeddedPostgres,
    analyzer: FaceAnalyzer,
    cast: Cast,
    late_entry_clip: Path,
    executor: ThreadPoolExecutor,
) -> None:
    await ensure_database(own_server.dsn("postgres"), "rollcall")
    dsn = own_server.dsn("rollcall")
    store = StoreConfig(
        database_url=dsn, retry_initial_s=0.05, retry_max_s=0.5, data_dir=own_server.data_dir
    )
    settings = Settings(_env_file=None, database_url=dsn, store=store)
    async with Database.connect(dsn, store) as db:
        room = await seed_classroom(db, Cast(cast.embeddings, late_entry_clip), analyzer.pack_name)
        students = [room.people[name].id for name in STUDENTS]
        gallery = Gallery(settings.recognizer, analyzer.embedding_dim)
        metrics = Metrics()
        async with LiveRuntime(settings, db, analyzer, gallery, metrics, executor) as runtime:
            board = runtime.hub.subscribe(room.session.id)
            await own_server.stop()

            def presents_held_back() -> bool:
                return runtime.details()["write_buffer_depth"] >= len(students)

            await until(presents_held_back)
            assert not runtime.details()["database_available"]
            await own_server.start()

            messages = await receive_until(
                board, lambda got: all(present(got, s) for s in students)
            )
            messages += await receive_for(board, 3.0)
            details = runtime.details()

        stored = (await db.attendance.list_for_session(room.session.id)).items

    for student in students:
        assert len(present(messages, student)) == 1
    assert {(r.person_id, r.status) for r in stored} == {
        (s, AttendanceStatus.PRESENT) for s in students
    }
    assert details["write_buffer_depth"] == 0
    assert details["writes_abandoned"] == 0 and details["writes_rejected"] == 0
    assert details["feed_reconnects"] >= 1
