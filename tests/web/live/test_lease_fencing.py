"""A runtime whose camera was taken over writes nothing it decides afterwards.

The runtime runs the classroom's camera under its lease; mid-session another replica takes the
lease over (the statement a replica's camera ownership issues when a browser's peer reaches
it). The runtime hears of it only at its next renewal, minutes away here, and meanwhile goes
on analysing the camera and deciding: the student it saw before the take-over is present, the
one it saw after is refused by PostgreSQL (the write carries the old lease's generation), and
the decision journal does not keep the refused write for a replay.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from store.database import Database
from store.events import EventCursor, EventKind
from tests.web.live.conftest import (
    STUDENTS,
    Cast,
    arrivals_clip,
    seed_classroom,
    until,
)
from tests.web.live.test_crash_recovery import rows_of, wait_for
from web.live.runtime import LiveRuntime
from web.settings import Settings
from web.telemetry.metrics import Metrics

FIRST, SECOND = STUDENTS
ENTERS = {FIRST: 1.0, SECOND: 9.0}  # into the clip; the lease moves between the two
CLIP_SECONDS = 12.0


def two_arrivals(faces_dir: Path, path: Path) -> Path:
    return arrivals_clip(faces_dir, path, ENTERS, CLIP_SECONDS)


async def test_decisions_made_after_the_camera_was_taken_over_are_refused(
    settings: Settings,
    db: Database,
    analyzer: FaceAnalyzer,
    executor: ThreadPoolExecutor,
    cast: Cast,
    faces_dir: Path,
    tmp_path: Path,
) -> None:
    clip = two_arrivals(faces_dir, tmp_path / "two.mp4")
    room = await seed_classroom(db, Cast(cast.embeddings, clip), analyzer.pack_name)
    first, second = (room.people[name].id for name in (FIRST, SECOND))
    # renewals minutes apart: the runtime learns of the take-over only after the test
    unaware = settings.model_copy(
        update={
            "service": settings.service.model_copy(
                update={"camera_lease_ttl_s": 600.0, "camera_lease_renew_s": 200.0}
            )
        }
    )
    metrics = Metrics()
    gallery = Gallery(settings.recognizer, analyzer.embedding_dim)

    def decided() -> float:
        return sum(
            metrics.registry.get_sample_value("rollcall_attendance_events_total", {"status": s})
            or 0.0
            for s in ("present", "late")
        )

    async with LiveRuntime(unaware, db, analyzer, gallery, metrics, executor) as runtime:
        present = await wait_for(lambda: rows_of(db, room.session.id))
        assert [r.person_id for r in present] == [first]
        assert await db.camera_leases.take_over("replica-b", room.camera.id, 60.0)
        await until(lambda: decided() >= 2)  # the second student, decided here all the same
        await until(lambda: runtime.details()["writes_fenced"] >= 1)
        await until(lambda: runtime.details()["journal_entries"] == 0)

    stored = (await db.attendance.list_for_session(room.session.id)).items
    assert [r.person_id for r in stored] == [first]
    inserted = [
        e.payload["person_id"]
        for e in await db.events.read_after(EventCursor(0, 0), limit=10_000)
        if e.kind == EventKind.ATTENDANCE_UPSERTED.value and e.payload["inserted"]
    ]
    assert inserted == [str(first)]
    fenced = metrics.registry.get_sample_value("rollcall_db_writes_fenced_total")
    assert fenced is not None and fenced >= 1
    assert second not in {r.person_id for r in stored}
