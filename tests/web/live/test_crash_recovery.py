"""A `rollcall serve` killed with SIGKILL while PostgreSQL is away loses no decision it made.

The students step into view while the database is stopped: their present decisions go to the
decision journal in the service's data folder. The service is killed (no shutdown, nothing
flushed), PostgreSQL comes back, and the service is started again as a supervisor would: the
journal is replayed, and every student is present exactly once, first seen when the killed
process saw them, not when the restarted one did.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from recognizer.analyzer import FaceAnalyzer
from recognizer.images import load_image
from recognizer.presence.config import PresenceConfig
from store.attendance import AttendanceRecord, AttendanceStatus
from store.config import StoreConfig
from store.database import Database
from store.embedded import EmbeddedPostgres
from store.events import Event, EventCursor, EventKind
from store.journal import FILE_NAME, SIGHTING, decode
from store.server import ensure_database
from tests.web.live.conftest import (
    CLIP_FPS,
    CLIP_SIZE,
    SEATS,
    STUDENTS,
    WAIT_S,
    Cast,
    seed_classroom,
)
from tests.web.live.serve_process import ServiceRuns
from web.demo.scene import Actor, write_scene

ENTER_S = 12.0  # the service is ready, and the database stopped, before anyone is seen
CLIP_SECONDS = 16.0
FIRST_SEEN_TOLERANCE = timedelta(seconds=1)

pytestmark = pytest.mark.slow


def late_entry_clip(faces_dir: Path, path: Path) -> Path:
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
    return write_scene(path, actors, CLIP_SIZE, CLIP_FPS, seconds=CLIP_SECONDS)


def journaled_decisions(folder: Path) -> dict[UUID, datetime]:
    """Per person, the first-seen time of their journaled decision (read as the service left
    the file: lines still being written are skipped, as the service itself would)."""
    path = folder / "journal" / FILE_NAME
    raw = path.read_bytes() if path.exists() else b""
    decisions: dict[UUID, datetime] = {}
    for line in raw.splitlines(keepends=True):
        entry = decode(line)
        if entry is not None and entry.kind == SIGHTING:
            sighting = entry.sighting()
            decisions.setdefault(sighting.person_id, sighting.seen_at)
    return decisions


async def wait_for(condition, timeout_s: float = WAIT_S):  # type: ignore[no-untyped-def]
    """Poll `condition` (sync or async) until it returns something truthy; return that."""
    async with asyncio.timeout(timeout_s):
        while True:
            result = condition()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return result
            await asyncio.sleep(0.05)


async def rows_of(db: Database, session_id: UUID) -> list[AttendanceRecord]:
    return (await db.attendance.list_for_session(session_id)).items


async def made_present(db: Database, session_id: UUID) -> list[Event]:
    """The attendance events that created a row of the session (a person becoming present)."""
    events = await db.events.read_after(EventCursor(0, 0), limit=100_000)
    return [
        e
        for e in events
        if e.kind == EventKind.ATTENDANCE_UPSERTED.value
        and e.payload["session_id"] == str(session_id)
        and e.payload["inserted"]
    ]


async def test_students_decided_while_postgres_is_down_survive_a_sigkill_of_the_service(
    own_server: EmbeddedPostgres,
    analyzer: FaceAnalyzer,
    cast: Cast,
    faces_dir: Path,
    tmp_path: Path,
) -> None:
    await ensure_database(own_server.dsn("postgres"), "rollcall")
    dsn = own_server.dsn("rollcall")
    store = StoreConfig(database_url=dsn, data_dir=tmp_path / "test")
    clip = late_entry_clip(faces_dir, tmp_path / "late.mp4")
    async with Database.connect(dsn, store) as db:
        room = await seed_classroom(db, Cast(cast.embeddings, clip), analyzer.pack_name)
    students = {room.people[name].id for name in STUDENTS}
    service = ServiceRuns(dsn, tmp_path / "service")
    try:
        await service.start()
        await service.ready()
        await own_server.stop()

        # killed once both decisions are journaled and logged (the log line follows the
        # append: killed in between, the run decided a student but never said so)
        decided = await wait_for(
            lambda: (
                (d := journaled_decisions(service.folder)).keys() >= students
                and set(decided_in(service, 1)) >= set(map(str, students))
                and d
            )
        )
        await service.kill()
        killed_at = datetime.now(UTC)
        await own_server.start()

        async with Database.connect(dsn, store) as db:
            before = {r.person_id for r in await rows_of(db, room.session.id)}
            assert not before & students, "decided while the database was away, not before"

            await service.start()
            await service.ready()

            async def everyone_present() -> list[AttendanceRecord] | None:
                rows = await rows_of(db, room.session.id)
                return rows if {r.person_id for r in rows} >= students else None

            rows = await wait_for(everyone_present)
            await wait_for(lambda: journaled_decisions(service.folder) == {})
            # the restarted camera sees the students again (the clip starts over): a second
            # decision would come from that
            await seen_again(service, len(students))
            present_events = await made_present(db, room.session.id)
            rows = await rows_of(db, room.session.id)
    finally:
        await service.stop()

    assert sorted((r.person_id, r.status) for r in rows) == sorted(
        (s, AttendanceStatus.PRESENT) for s in students
    )
    for row in rows:
        assert row.first_seen is not None
        assert abs(row.first_seen - decided[row.person_id]) <= FIRST_SEEN_TOLERANCE
        assert row.first_seen < killed_at
    assert sorted(e.payload["person_id"] for e in present_events) == sorted(map(str, students))
    assert sorted(decided_in(service, 1)) == sorted(map(str, students))
    assert decided_in(service, 2) == [], "the restarted engine decided someone again"


async def samples(service: ServiceRuns) -> dict[tuple[str, str], float]:
    """The run's /metrics: (sample name, its labels as text) -> value."""
    async with aiohttp.ClientSession() as client, client.get(f"{service.url}/metrics") as response:
        text = await response.text()
    return {
        (sample.name, ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def matched_and_analysed(service: ServiceRuns) -> tuple[float, float]:
    values = await samples(service)
    matched = values.get(("rollcall_identifications_total", "result=matched"), 0.0)
    analysed = sum(v for (name, _), v in values.items() if name == "rollcall_frames_analyzed_total")
    return matched, analysed


async def seen_again(service: ServiceRuns, students: int) -> None:
    """Wait until the run's engine has matched the students as often as a vote needs, and
    has acted on that batch (a later batch was analysed: the loop is sequential), so that a
    second decision, if the engine made one, is in its log by now."""
    votes = PresenceConfig().votes_needed
    _, analysed = await wait_for(lambda: _at_least(matched_and_analysed(service), votes * students))
    await wait_for(lambda: _beyond(matched_and_analysed(service), analysed + 1))


async def _at_least(reading, matched: float):  # type: ignore[no-untyped-def]
    value = await reading
    return value if value[0] >= matched else None


async def _beyond(reading, analysed: float) -> bool:  # type: ignore[no-untyped-def]
    return (await reading)[1] > analysed


def decided_in(service: ServiceRuns, run: int) -> list[str]:
    """The people run `run` logged a present/late decision for."""
    text = (service.folder / f"stderr-{run}.log").read_text(errors="replace")
    people = []
    for line in text.splitlines():
        if '"attendance decided"' in line:
            people.append(json.loads(line)["person_id"])
    return people
