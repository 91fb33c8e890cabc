"""A course with recognition off (a jurisdiction that forbids biometrics for minors): its open
session's camera streams the faces of enrolled students, and no frame of it is analysed, so
nobody is marked and no unknown face counted, while a teacher's marks work as ever. Turned on
again, the same camera marks the students without a restart."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from recognizer.analyzer import FaceAnalyzer
from store.attendance import AttendanceStatus
from store.database import Database
from tests.web.live.conftest import (
    CLIP_FPS,
    CLIP_SECONDS,
    STUDENTS,
    Cast,
    Live,
    present,
    receive_until,
    seed_classroom,
    until,
)

StartLive = Callable[[], AbstractAsyncContextManager[Live]]


def _sample(live: Live, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for metric in live.metrics.registry.collect()
        for sample in metric.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def test_no_frame_of_a_course_without_recognition_is_analysed_and_hand_marks_work(
    db: Database, analyzer: FaceAnalyzer, cast: Cast, start_live: StartLive
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    course_id = room.session.course_id
    await db.courses.update(course_id, recognition=False, actor="ada-admin")
    camera = str(room.camera.id)
    first, second = (room.people[name].id for name in STUDENTS)

    async with start_live() as live:
        board = live.runtime.hub.subscribe(room.session.id)

        def received() -> int:
            status = live.runtime.camera_status(room.camera.id)
            return 0 if status is None else status.frames_received

        # the clip twice over: each student in view for ten seconds, who would be marked in one
        await until(lambda: received() >= 2 * CLIP_FPS * CLIP_SECONDS)
        assert _sample(live, "rollcall_frames_analyzed_total", camera=camera) == 0
        assert _sample(live, "rollcall_faces_detected_total") == 0
        assert _sample(live, "rollcall_unknown_faces_total") == 0
        assert _sample(live, "rollcall_analysis_demand_fps") == 0  # it asks nothing of analysis
        assert live.runtime.engine.context(room.camera.id) is None
        assert (await db.attendance.list_for_session(room.session.id)).items == ()

        # the teacher marks by hand; the board hears it
        await db.attendance.set_status(
            room.session.id, first, AttendanceStatus.PRESENT, actor="tom-teacher"
        )
        marked = await receive_until(
            board, lambda messages: any(m["type"] == "attendance" for m in messages)
        )
        assert [(m["person_id"], m["manual"]) for m in marked if m["type"] == "attendance"] == [
            (str(first), True)
        ]
        assert not any(m["type"] == "unknown_face" for m in marked)

        # on again: the change feed tells the running process, and the camera marks the other
        await db.courses.update(course_id, recognition=True, actor="ada-admin")
        await receive_until(board, lambda messages: bool(present(messages, second)))
        assert _sample(live, "rollcall_frames_analyzed_total", camera=camera) > 0

    stored = {r.person_id: r for r in (await db.attendance.list_for_session(room.session.id)).items}
    assert stored[first].manual and stored[first].status is AttendanceStatus.PRESENT
    assert not stored[second].manual
