"""One code path: `rollcall serve` with a file camera marks the students of a generated 1080p
classroom that `rollcall evaluate video` marks on the same video, and nobody else.

The classroom is the hard level (28-40 px faces, defocus, noise, CRF 28), shortened; the
class is configured over the REST API as an admin would (enrolment from the roster's photos
by upload) and the teacher reads the attendance sheet after the clip has played.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from recognizer.analyzer import FaceAnalyzer
from store.cameras import CameraKind
from store.database import Database
from tests.web.e2e.api_client import CONSENTED, ApiClient
from tests.web.e2e.classroom import open_session
from tests.web.e2e.clip_clock import ClipClock, follow_clip
from web.demo.classroom import ClassroomClip, make_classroom
from web.demo.classroom_levels import LEVELS
from web.evaluation.class_files import read_class
from web.evaluation.video_run import evaluate_video
from web.settings import Settings

pytestmark = pytest.mark.slow

# Short but whole: every student arrives and sits for several seconds.
LEVEL = dataclasses.replace(LEVELS["hard"].shortened(16.0), students=16, strangers=4, absentees=2)
SETTLE_S = 3.0  # after the clip's pass: the last batch, its writes and the sheet


@pytest.fixture(scope="module")
def hard_room(
    faces_dir: Path, analyzer: FaceAnalyzer, tmp_path_factory: pytest.TempPathFactory
) -> ClassroomClip:
    return make_classroom(faces_dir, tmp_path_factory.mktemp("hard"), LEVEL, analyzer=analyzer)


async def test_the_service_marks_the_students_that_evaluate_video_marks_on_the_same_video(
    db: Database,
    admin_api: ApiClient,
    teacher_api: ApiClient,
    settings: Settings,
    analyzer: FaceAnalyzer,
    hard_room: ClassroomClip,
) -> None:
    evaluated = await asyncio.to_thread(
        evaluate_video,
        hard_room.video,
        hard_room.roster_csv,
        hard_room.expected_csv,
        settings,
        None,
        analyzer,
    )
    assert evaluated.outcome.wrong_marks == [] and evaluated.outcome.duplicates == []
    evaluate_marked = {mark.identity for mark in evaluated.marks}

    person_ids = await _enrol_roster(admin_api, hard_room)
    opened = await open_session(
        admin_api,
        teacher_api,
        list(person_ids.values()),
        course=("CLS-1080", "Back row"),
        room="Room 1080",
        started_ago=timedelta(seconds=30),
    )
    created = await db.cameras.create(
        name="Front of the room",
        kind=CameraKind.FILE,
        url=str(hard_room.video),
        room_id=UUID(opened.room_id),
    )
    clock = ClipClock(hard_room.level.fps, hard_room.level.seconds)
    async with asyncio.timeout(hard_room.level.seconds * 4):
        await follow_clip(teacher_api, str(created.camera.id), clock)
    await asyncio.sleep(SETTLE_S)

    sheet = await teacher_api.call("GET", f"/api/sessions/{opened.session_id}/attendance")
    names = {pid: name for name, pid in person_ids.items()}
    served_marked = {names[line["person_id"]] for line in sheet["items"] if line["recorded"]}
    assert served_marked == evaluate_marked
    assert served_marked <= set(hard_room.students)
    # The shortened hard room is within reach of both: at most one student missed.
    assert len(served_marked) >= len(hard_room.students) - 1


async def _enrol_roster(admin: ApiClient, clip: ClassroomClip) -> dict[str, str]:
    """Everyone on roster.csv, enrolled by uploading their photos; identity -> person id."""
    photos: dict[str, list[Path]] = defaultdict(list)
    for enrolment in read_class(clip.roster_csv, clip.expected_csv).enrolments:
        photos[enrolment.identity].append(enrolment.photo)
    person_ids = {}
    for number, (identity, paths) in enumerate(sorted(photos.items())):
        person = await admin.call(
            "POST",
            "/api/people",
            json={
                "external_id": f"CLS-{number:03d}",
                "display_name": identity,
                "consent_at": CONSENTED,
            },
            expect=201,
        )
        await admin.enrol(person["id"], tuple(paths))
        person_ids[identity] = person["id"]
    return person_ids
