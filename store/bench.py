"""`rollcall bench store`: attendance write rates, feed latency and gallery load times.

Runs in a scratch database created on the configured server (or the embedded one) and
dropped afterwards, so it never touches the application's data.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import numpy as np

from store.attendance import AttendanceStatus, Sighting
from store.config import StoreConfig
from store.database import Database
from store.errors import translated_errors
from store.server import database_server, dsn_with_database, quote_identifier


@dataclass(frozen=True)
class BenchPlan:
    single_writes: int = 2_000
    batched_writes: int = 50_000
    batch_size: int = 500
    notifications: int = 300
    template_counts: tuple[int, ...] = (10_000, 100_000)
    dim: int = 512
    people: int = 1_000


def _percentile_ms(samples: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(samples), q)) * 1000, 3)


async def _scenario(db: Database, people: int) -> tuple[UUID, Sequence[UUID]]:
    course = await db.courses.create(code="BENCH", name="Benchmark")
    room = await db.rooms.create("bench-room")
    start = datetime.now(UTC)
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=2),
    )
    # consented, as the people whose templates the gallery loads must be
    ids = await db.people.import_many(
        [(f"bench-{i}", f"Bench {i}") for i in range(people)], consent_at=start
    )
    return session.id, ids


def _sightings(session_id: UUID, people: Sequence[UUID], n: int, offset: int) -> list[Sighting]:
    now = datetime.now(UTC)
    return [
        Sighting(
            session_id,
            people[(offset + i) % len(people)],
            AttendanceStatus.PRESENT,
            now + timedelta(milliseconds=i),
            score=0.5,
        )
        for i in range(n)
    ]


async def _upsert_rates(
    db: Database, session_id: UUID, people: Sequence[UUID], plan: BenchPlan
) -> dict[str, object]:
    single = _sightings(session_id, people, plan.single_writes, 0)
    started = time.perf_counter()
    for sighting in single:
        await db.attendance.record(sighting)
    single_s = time.perf_counter() - started

    batched = _sightings(session_id, people, plan.batched_writes, 7)
    started = time.perf_counter()
    for i in range(0, len(batched), plan.batch_size):
        await db.attendance.record_many(batched[i : i + plan.batch_size])
    batched_s = time.perf_counter() - started
    return {
        "upserts_per_s_single": round(plan.single_writes / single_s, 1),
        "upserts_per_s_batched": round(plan.batched_writes / batched_s, 1),
        "batch_size": plan.batch_size,
    }


async def _feed_latency(
    db: Database, session_id: UUID, people: Sequence[UUID], plan: BenchPlan
) -> dict[str, object]:
    """Two clocks per event: from the commit's acknowledgement to the event coming out of the
    feed (NOTIFY races the acknowledgement, so this is often near zero), and from issuing the
    write to the event coming out (write, commit, notify, outbox read)."""
    after_commit: list[float] = []
    after_write: list[float] = []
    async with db.change_feed() as feed:
        for sighting in _sightings(session_id, people, plan.notifications, 3):
            issued = time.perf_counter()
            await db.attendance.record(sighting)
            committed = time.perf_counter()
            await asyncio.wait_for(anext(feed), 10)
            delivered = time.perf_counter()
            after_commit.append(delivered - committed)
            after_write.append(delivered - issued)
    return {
        "commit_to_event_p50_ms": _percentile_ms(after_commit, 50),
        "commit_to_event_p99_ms": _percentile_ms(after_commit, 99),
        "write_to_event_p50_ms": _percentile_ms(after_write, 50),
        "write_to_event_p99_ms": _percentile_ms(after_write, 99),
        "notifications": plan.notifications,
    }


async def _template_loads(
    db: Database, people: Sequence[UUID], plan: BenchPlan
) -> dict[str, object]:
    rng = np.random.default_rng(0)
    result: dict[str, object] = {}
    for count in plan.template_counts:
        pack = f"bench-{count}"
        vectors = rng.standard_normal((count, plan.dim), dtype=np.float32)
        await db.templates.add_many(
            [(people[i % len(people)], vectors[i]) for i in range(count)], model_pack=pack
        )
        started = time.perf_counter()
        matrix = await db.templates.load_matrix(pack)
        elapsed = time.perf_counter() - started
        assert matrix.embeddings.shape == (count, plan.dim)
        label = f"{count // 1000}k" if count % 1000 == 0 else str(count)
        result[f"template_load_{label}_s"] = round(elapsed, 3)
    result["template_dim"] = plan.dim
    return result


@dataclass(frozen=True)
class ScratchDatabase:
    dsn: str
    server_version: str


@asynccontextmanager
async def scratch_database(config: StoreConfig, label: str) -> AsyncIterator[ScratchDatabase]:
    """A new, empty database on the configured server (or the embedded one) for the block,
    dropped afterwards: benchmarks never touch the application's data."""
    async with database_server(config) as dsn:
        with translated_errors():
            admin = await asyncpg.connect(dsn)
        scratch = f"rollcall_bench_{label}_{os.getpid()}"
        try:
            version = await admin.fetchval("SHOW server_version")
            await admin.execute(f"CREATE DATABASE {quote_identifier(scratch)}")
            try:
                yield ScratchDatabase(dsn_with_database(dsn, scratch), version)
            finally:
                await admin.execute(
                    f"DROP DATABASE IF EXISTS {quote_identifier(scratch)} WITH (FORCE)"
                )
        finally:
            await admin.close()


async def run_store_benchmark(config: StoreConfig, plan: BenchPlan) -> dict[str, object]:
    """Measure on a scratch database; returns the figures as a flat dict."""
    async with (
        scratch_database(config, "store") as scratch,
        Database.connect(scratch.dsn, config) as db,
    ):
        session_id, people = await _scenario(db, plan.people)
        figures = {
            **await _upsert_rates(db, session_id, people, plan),
            **await _feed_latency(db, session_id, people, plan),
            **await _template_loads(db, people, plan),
        }
    return {
        "server": "embedded" if config.embedded else "database_url",
        "postgres_version": scratch.server_version,
        **figures,
    }
