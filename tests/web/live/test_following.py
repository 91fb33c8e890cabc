"""A running runtime follows the database: cameras added, disabled, deleted; sessions opened."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from uuid import UUID

from recognizer.analyzer import FaceAnalyzer
from store.cameras import CameraKind
from store.database import Database
from store.sessions import SessionStatus
from tests.web.live.conftest import (
    LATECOMER,
    STUDENTS,
    Cast,
    Live,
    receive_until,
    seed_classroom,
    until,
)

StartLive = Callable[[], AbstractAsyncContextManager[Live]]


async def test_cameras_added_disabled_and_deleted_while_running_are_followed(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    camera_id = room.camera.id
    async with start_live() as live:
        runtime = live.runtime
        overview = runtime.hub.subscribe(None)
        await receive_until(
            overview,
            lambda got: any(
                m["type"] == "camera_status"
                and m["camera_id"] == str(camera_id)
                and m["state"] == "live"
                for m in got
            ),
        )
        status = runtime.camera_status(camera_id)
        assert status is not None
        assert (status.name, status.kind, status.room_id) == ("front", "file", room.camera.room_id)
        assert status.session_id == room.session.id

        await until(lambda: _series_of(live, camera_id) >= {"rollcall_frames_analyzed_total"})
        await db.cameras.set_enabled(camera_id, False)
        await until(lambda: runtime.camera_status(camera_id) is None)
        assert camera_id not in runtime.supervisor.camera_ids
        # a stopped camera's series leave the metrics (camera labels stay bounded)
        await until(lambda: not _series_of(live, camera_id), timeout_s=10.0)

        await db.cameras.set_enabled(camera_id, True)
        await until(lambda: runtime.camera_status(camera_id) is not None)

        browser = (
            await db.cameras.create(
                name="side", kind=CameraKind.WEBRTC, room_id=room.camera.room_id
            )
        ).camera
        await until(lambda: runtime.camera_status(browser.id) is not None)
        side = runtime.camera_status(browser.id)
        assert side is not None
        assert (side.kind, side.state, side.session_id) == ("webrtc", "connecting", room.session.id)
        assert {s.camera_id for s in runtime.camera_statuses()} == {camera_id, browser.id}

        await db.cameras.delete(browser.id)
        await until(lambda: runtime.camera_status(browser.id) is None)
        assert runtime.engine.context(browser.id) is None


async def test_a_session_opened_while_running_becomes_the_context_of_the_room_cameras(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    await db.sessions.set_status(room.session.id, SessionStatus.CANCELLED)
    camera = room.camera.id
    async with start_live() as live:
        runtime = live.runtime
        assert runtime.engine.context(camera) is None
        now = datetime.now(UTC)
        session = await db.sessions.create(
            course_id=room.session.course_id,
            room_id=room.session.room_id,
            scheduled_start=now,
            scheduled_end=now + timedelta(hours=1),
            grace_minutes=5,
        )
        await db.sessions.set_status(session.id, SessionStatus.OPEN)

        await until(lambda: runtime.engine.context(camera) is not None, timeout_s=10.0)
        context = runtime.engine.context(camera)
        assert context is not None
        assert context.session_id == session.id
        assert {room.people[name].id for name in STUDENTS} <= context.roster
        assert context.late_after == session.late_after
        status = runtime.camera_status(room.camera.id)
        assert status is not None and status.session_id == session.id

        await db.sessions.set_status(session.id, SessionStatus.CLOSED)
        await until(lambda: runtime.engine.context(camera) is None, timeout_s=10.0)


async def test_a_bulk_import_and_a_deactivation_reach_the_gallery_of_a_running_runtime(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive
) -> None:
    room = await seed_classroom(
        db, cast, analyzer.pack_name, with_camera=False, without_templates=(LATECOMER,)
    )
    latecomer, student = room.people[LATECOMER].id, room.people[STUDENTS[0]].id
    async with start_live() as live:
        gallery = live.gallery
        assert latecomer not in gallery.person_ids()

        await db.templates.add_many(
            [(latecomer, cast.embeddings[LATECOMER])], model_pack=analyzer.pack_name
        )
        await until(lambda: latecomer in gallery.person_ids(), timeout_s=10.0)

        await db.people.update(student, active=False)
        await until(lambda: student not in gallery.person_ids(), timeout_s=10.0)
        await db.people.update(student, active=True)
        await until(lambda: student in gallery.person_ids(), timeout_s=10.0)
        assert len(gallery) == len(await db.templates.load_matrix(analyzer.pack_name))


async def test_a_withdrawn_consent_leaves_the_gallery_of_a_running_runtime_at_once(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name, with_camera=False)
    student, classmate = (room.people[name].id for name in STUDENTS)
    async with start_live() as live:
        gallery = live.gallery
        assert {student, classmate} <= set(gallery.person_ids())

        withdrawal = await db.people.withdraw_consent(student, actor="ada-admin")
        await until(lambda: student not in gallery.person_ids(), timeout_s=10.0)
        assert withdrawal.templates_deleted == 1
        assert classmate in gallery.person_ids()
        assert len(gallery) == len(await db.templates.load_matrix(analyzer.pack_name))


def _series_of(live: Live, camera_id: UUID) -> set[str]:
    """The names of the metric series labelled with the camera."""
    return {
        sample.name
        for metric in live.metrics.registry.collect()
        for sample in metric.samples
        if sample.labels.get("camera") == str(camera_id)
    }
