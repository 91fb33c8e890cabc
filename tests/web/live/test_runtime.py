"""The live runtime end to end: a file camera in a classroom, real models, real PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from uuid import UUID

import asyncpg

from recognizer.analyzer import FaceAnalyzer
from store.attendance import AttendanceStatus
from store.database import Database
from tests.web.live.conftest import (
    ENTER_S,
    LATECOMER,
    OTHER_COURSE,
    STUDENTS,
    Cast,
    Live,
    present,
    receive_for,
    receive_until,
    seed_classroom,
    until,
)

StartLive = Callable[[], AbstractAsyncContextManager[Live]]


def _counter_total(live: Live, name: str) -> float:
    return sum(
        sample.value
        for metric in live.metrics.registry.collect()
        for sample in metric.samples
        if sample.name == name
    )


async def test_students_of_the_running_session_become_present_once_and_strangers_never(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    students = [room.people[name].id for name in STUDENTS]
    other = room.people[OTHER_COURSE]
    async with start_live() as live:
        board = live.runtime.hub.subscribe(room.session.id)
        # the clip starts with the camera's first frame; everyone steps in ENTER_S later
        await until(lambda: _frames_received(live, room.camera.id) > 0)
        appeared = time.monotonic() + ENTER_S
        arrivals: dict[str, float] = {}

        def everything_seen(messages: list[dict]) -> bool:
            if messages and messages[-1]["type"] == "attendance" and messages[-1]["inserted"]:
                arrivals.setdefault(messages[-1]["person_id"], time.monotonic())
            return (
                all(present(messages, s) for s in students)
                and any(m["type"] == "other_course" for m in messages)
                and any(m["type"] == "unknown_face" for m in messages)
            )

        messages = await receive_until(board, everything_seen)
        # the clip loops: everyone is seen again and again; nobody becomes present twice
        messages += await receive_for(board, 4.0)

    for student in students:
        assert len(present(messages, student)) == 1
    attendance = [m for m in messages if m["type"] == "attendance"]
    assert {m["person_id"] for m in attendance} == {str(s) for s in students}
    assert all(m["session_id"] == str(room.session.id) for m in attendance)
    assert all(m["status"] == "present" and m["manual"] is False for m in attendance)
    others = [m for m in messages if m["type"] == "other_course"]
    assert {(m["person_id"], m["display_name"]) for m in others} == {
        (str(other.id), other.display_name)
    }
    unknown = [m for m in messages if m["type"] == "unknown_face"]
    assert [m["count"] for m in unknown] == list(range(1, len(unknown) + 1))

    stored = (await db.attendance.list_for_session(room.session.id)).items
    assert {(r.person_id, r.status) for r in stored} == {
        (s, AttendanceStatus.PRESENT) for s in students
    }
    assert all(r.camera_id == room.camera.id for r in stored)

    latencies = {name: arrivals[str(room.people[name].id)] - appeared for name in STUDENTS}
    histogram_sum = _counter_total(live, "rollcall_event_latency_seconds_sum")
    histogram_count = _counter_total(live, "rollcall_event_latency_seconds_count")
    print(
        "first appearance -> present event on the hub: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in latencies.items())
        + f"; capture -> event (rollcall_event_latency_seconds) mean "
        f"{histogram_sum / max(histogram_count, 1):.2f} s over {histogram_count:.0f}"
    )
    assert histogram_count == len(students)
    assert _counter_total(live, "rollcall_attendance_events_total") == len(students)


async def test_a_template_added_while_running_is_matched(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name, without_templates=(LATECOMER,))
    latecomer = room.people[LATECOMER]
    first = room.people[STUDENTS[0]].id
    async with start_live() as live:
        board = live.runtime.hub.subscribe(room.session.id)
        messages = await receive_until(board, lambda got: bool(present(got, first)))
        assert not present(messages, latecomer.id)  # in view all along, but not enrolled

        template = await db.templates.add(
            latecomer.id, cast.embeddings[LATECOMER], model_pack=analyzer.pack_name
        )
        messages = await receive_until(board, lambda got: bool(present(got, latecomer.id)))
        assert [t.template_id for t in live.gallery.templates_of(latecomer.id)] == [template.id]
    assert len(present(messages, latecomer.id)) == 1


async def test_an_erased_person_leaves_the_gallery_of_a_running_runtime(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name, with_camera=False)
    erased, kept = (room.people[name].id for name in STUDENTS)
    async with start_live() as live:
        assert {erased, kept} <= set(live.gallery.person_ids())
        assert live.runtime.readiness() == {
            "cameras_loaded": True,
            "gallery_loaded": True,
            "feed_connected": True,
        }
        await db.people.erase(erased, actor="test")
        await until(lambda: erased not in live.gallery.person_ids(), timeout_s=10.0)
        assert kept in live.gallery.person_ids()
        # the gauge is set once the executor's removal is back on the loop: a moment later
        gauge = live.metrics.gallery_templates._value
        await until(lambda: gauge.get() == len(live.gallery), timeout_s=10.0)


async def test_a_restarted_runtime_sends_no_second_present_event(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    student = room.people[STUDENTS[0]]
    async with start_live() as live:
        board = live.runtime.hub.subscribe(room.session.id)
        await receive_until(board, lambda got: bool(present(got, student.id)))

    async with start_live() as live:
        board = live.runtime.hub.subscribe(room.session.id, camera_id=room.camera.id)

        def identified(messages: list[dict]) -> bool:
            return any(
                box["label"] == student.display_name and box["state"] == "identified"
                for m in messages
                if m["type"] == "faces"
                for box in m["boxes"]
            )

        messages = await receive_until(board, identified)
        messages += await receive_for(board, 2.0)
        assert not present(messages, student.id)
        assert _counter_total(live, "rollcall_attendance_events_total") == 0
    stored = await db.attendance.get(room.session.id, student.id)
    assert stored.status is AttendanceStatus.PRESENT


async def test_shutdown_flushes_the_attendance_writes_still_pending(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive, database_url: str
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    student = room.people[STUDENTS[0]].id
    blocker = await asyncpg.connect(database_url)
    try:
        blocking = blocker.transaction()
        await blocking.start()
        # every attendance write now waits for this transaction, as behind a slow database
        await blocker.execute("LOCK TABLE attendance IN SHARE ROW EXCLUSIVE MODE")
        async with start_live() as live:
            await until(lambda: live.runtime.details()["write_buffer_depth"] > 0)
            # the database answers again only once the shutdown has begun
            release = asyncio.create_task(_after(0.5, blocking.rollback()))
        await release
    finally:
        await blocker.close()
    assert live.runtime.details()["write_buffer_depth"] == 0
    stored = await db.attendance.get(room.session.id, student)
    assert stored.status is AttendanceStatus.PRESENT


def _frames_received(live: Live, camera_id: UUID) -> int:
    status = live.runtime.camera_status(camera_id)
    return 0 if status is None else status.frames_received


async def _after(seconds: float, action: Awaitable[None]) -> None:
    await asyncio.sleep(seconds)
    await action
