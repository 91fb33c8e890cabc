"""Issue 15's fault test, scaled to this machine: `rollcall serve` killed with SIGKILL at
random (seeded) moments of class sessions, with PostgreSQL up, stopped before the kill, or
still down when the service is started again, and restarted as a supervisor would, N times in
a row. Every restart must succeed without a person; no decision may be lost or doubled; first
seen times stay those of the decision.

ROLLCALL_FAULT_RESTARTS sets N (default 12, about 70 s on two cores; the issue
asks for 20), ROLLCALL_FAULT_SEED the seed. Each session spans two runs: students are decided in
the first (or in the second when the first died before a vote completed), and the second must
not decide them again.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from recognizer.analyzer import FaceAnalyzer
from store.cameras import CameraKind
from store.config import StoreConfig
from store.database import Database
from store.embedded import EmbeddedPostgres
from store.events import EventCursor, EventKind
from store.server import ensure_database
from tests.web.live.conftest import (
    LATECOMER,
    STRANGER,
    STUDENTS,
    Cast,
    arrivals_clip,
    seed_classroom,
)
from tests.web.live.serve_process import ServiceRuns
from tests.web.live.test_crash_recovery import journaled_decisions, wait_for

RESTARTS = int(os.environ.get("ROLLCALL_FAULT_RESTARTS", "12"))
SEED = int(os.environ.get("ROLLCALL_FAULT_SEED", "15"))
ENTERS = {STUDENTS[0]: 1.5, STUDENTS[1]: 3.5, LATECOMER: 6.0, STRANGER: 1.0}  # into the clip
CLIP_SECONDS = 10.0
KILL_WITHIN_S = (0.3, 9.0)  # after the run is ready
FIRST_SEEN_TOLERANCE = timedelta(seconds=1)
ROSTER = (*STUDENTS, LATECOMER)

pytestmark = pytest.mark.slow


@dataclass
class Figures:
    restarts: int = 0
    kill_to_ready_s: list[float] = field(default_factory=list)  # PostgreSQL up at the restart
    plans: list[str] = field(default_factory=list)


def clip(faces_dir: Path, path: Path) -> Path:
    return arrivals_clip(faces_dir, path, ENTERS, CLIP_SECONDS)


async def new_session_room(db: Database, course_id: UUID, video: Path, index: int) -> UUID:
    """A room of its own with a camera playing the clip and a session running now in it;
    every other camera is disabled (the previous session's room falls silent)."""
    for camera in (await db.cameras.list()).items:
        if camera.enabled:
            await db.cameras.set_enabled(camera.id, False)
    room = await db.rooms.create(f"Room {index}")
    await db.cameras.create(
        name=f"cam {index}", kind=CameraKind.FILE, url=str(video), room_id=room.id
    )
    now = datetime.now(UTC)
    session = await db.sessions.create(
        course_id=course_id,
        room_id=room.id,
        scheduled_start=now - timedelta(minutes=1),
        scheduled_end=now + timedelta(hours=1),
        grace_minutes=10,
    )
    return session.id


async def test_sigkill_at_random_moments_loses_and_doubles_no_decision(
    own_server: EmbeddedPostgres,
    analyzer: FaceAnalyzer,
    cast: Cast,
    faces_dir: Path,
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    await ensure_database(own_server.dsn("postgres"), "rollcall")
    dsn = own_server.dsn("rollcall")
    store = StoreConfig(database_url=dsn, data_dir=tmp_path / "test")
    video = clip(faces_dir, tmp_path / "class.mp4")
    async with Database.connect(dsn, store) as db:
        room = await seed_classroom(
            db, Cast(cast.embeddings, video), analyzer.pack_name, without_templates=()
        )
    roster = {str(room.people[name].id) for name in ROSTER}
    course_id = room.session.course_id
    service = ServiceRuns(dsn, tmp_path / "service")
    figures = Figures()
    sessions: list[UUID] = [room.session.id]
    killed_at: float | None = None
    try:
        for cycle in range(RESTARTS + 1):
            final = cycle == RESTARTS
            if cycle % 2 == 0 and cycle > 0:  # each session spans two runs
                async with Database.connect(dsn, store) as db:
                    sessions.append(await new_session_room(db, course_id, video, cycle))
            plan = "final" if final else rng.choice(["up", "down-before-kill", "down-at-start"])
            figures.plans.append(plan)
            if plan == "down-at-start":
                # the supervisor restarts the service while PostgreSQL is still away
                await own_server.stop()
            await service.start()
            if plan == "down-at-start":
                await wait_for(lambda: _waiting_for_database(service))
                await own_server.start()
                await service.ready()
            else:
                ready = await service.ready()
                if killed_at is not None:
                    figures.kill_to_ready_s.append(ready - killed_at)
            if final:
                break
            figures.restarts += 1
            kill_after = rng.uniform(*KILL_WITHIN_S)
            if plan == "down-before-kill":
                stop_after = rng.uniform(0.0, kill_after)
                await _sleep_until(time.monotonic() + stop_after)
                await own_server.stop()
                await _sleep_until(time.monotonic() + kill_after - stop_after)
            else:
                await _sleep_until(time.monotonic() + kill_after)
            killed_at = await service.kill()
            if not own_server.running:
                await own_server.start()

        # the last run replays what the killed ones left, then the journal is empty
        await wait_for(lambda: journaled_decisions(service.folder) == {})
        await wait_for(lambda: _journal_empty(service.folder))
        await service.stop()  # SIGTERM: its own last writes are flushed
        assert service.process is not None and service.process.returncode == 0
        assert _journal_empty(service.folder)
        async with Database.connect(dsn, store) as db:
            rows = [
                r
                for session_id in sessions
                for r in (await db.attendance.list_for_session(session_id)).items
            ]
            events = await db.events.read_after(EventCursor(0, 0), limit=100_000)
    finally:
        await service.stop()

    logs = service.logs()
    decided: dict[tuple[str, str], list[datetime]] = {}
    decided_runs: dict[tuple[str, str], set[int]] = {}
    for run, record in _records_by_run(service):
        if record.get("message") == "attendance decided":
            key = (record["session_id"], record["person_id"])
            decided.setdefault(key, []).append(datetime.fromisoformat(record["seen_at"]))
            decided_runs.setdefault(key, set()).add(run)
    stored = {(str(r.session_id), str(r.person_id)): r for r in rows}
    inserted: dict[tuple[str, str], int] = {}
    for e in events:
        if e.kind == EventKind.ATTENDANCE_UPSERTED.value and e.payload["inserted"]:
            key = (e.payload["session_id"], e.payload["person_id"])
            inserted[key] = inserted.get(key, 0) + 1
    lost = sorted(set(decided) - set(stored))
    doubled = sorted(k for k, runs in decided_runs.items() if len(runs) > 1)
    doubled += sorted(k for k, n in inserted.items() if n > 1)
    errors = [
        abs(stored[k].first_seen - min(seen)).total_seconds()  # type: ignore[operator]
        for k, seen in decided.items()
        if k in stored
    ]
    noticed = [
        r["notice_id"]
        for r in logs
        if r.get("message") == "live observation noticed" and r.get("journaled")
    ]
    published = [
        e.payload["notice_id"]
        for e in events
        if e.kind == EventKind.PRESENCE_UNKNOWN_FACE.value and "notice_id" in e.payload
    ]
    report = {
        "restarts": figures.restarts,
        "seed": SEED,
        "plans": figures.plans,
        "sessions": len(sessions),
        "decisions_logged": len(decided),
        "rows": len(stored),
        "decided_but_unlogged": len(set(stored) - set(decided)),
        "replayed_from_journal": sum(
            r.get("replayed", 0) for r in logs if r.get("message") == "journaled decisions replayed"
        ),
        "lost": len(lost),
        "doubled": len(doubled),
        "first_seen_error_max_s": max(errors, default=0.0),
        "notices_logged": len(noticed),
        "notices_lost": len(set(noticed) - set(published)),
        "notices_doubled": len(published) - len(set(published)),
        "kill_to_ready_s": {
            "min": min(figures.kill_to_ready_s, default=None),
            "median": statistics.median(figures.kill_to_ready_s)
            if figures.kill_to_ready_s
            else None,
            "max": max(figures.kill_to_ready_s, default=None),
        },
    }
    print("fault test:", json.dumps(report))
    assert figures.restarts == RESTARTS
    assert decided, "no decision was made at all: the test exercised nothing"
    assert lost == [] and doubled == []
    assert {p for _, p in stored} <= roster
    assert all(r.status.value in ("present", "late") for r in stored.values())
    assert max(errors, default=0.0) <= FIRST_SEEN_TOLERANCE.total_seconds()
    assert report["notices_lost"] == 0 and report["notices_doubled"] == 0


def _waiting_for_database(service: ServiceRuns) -> bool:
    text = (service.folder / f"stderr-{service.runs}.log").read_text(errors="replace")
    return "PostgreSQL unreachable at start" in text


def _journal_empty(folder: Path) -> bool:
    path = folder / "journal" / "decisions.jsonl"
    return not path.exists() or path.stat().st_size == 0


def _records_by_run(service: ServiceRuns) -> list[tuple[int, dict]]:
    records = []
    for run in range(1, service.runs + 1):
        text = (service.folder / f"stderr-{run}.log").read_text(errors="replace")
        for line in text.splitlines():
            try:
                records.append((run, json.loads(line)))
            except ValueError:
                continue  # cut short by the SIGKILL
    return records


async def _sleep_until(deadline: float) -> None:
    """The random moment of the fault: this test's one wait on the clock, by design."""
    await asyncio.sleep(max(0.0, deadline - time.monotonic()))
