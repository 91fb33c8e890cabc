"""Three service processes against one PostgreSQL, as replicas of a deployment: each camera
runs in exactly one of them, and when the one running the class's camera is SIGKILLed, its
cameras move to the others and the students, arriving only afterwards, are present exactly
once: on a board of a surviving process, on the attendance sheet and in the event log.

The test prints (`pytest -s`) one JSON line with the measured time from the kill to every
camera running again in a surviving process; no assertion is made on it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from store.cameras import CameraKind
from store.database import Database
from store.events import EventCursor, EventKind
from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import ApiClient, signed_in
from tests.web.e2e.board import board_of
from tests.web.e2e.classroom import Absentee, configure_class
from tests.web.e2e.replicas import Replica, replicas
from tests.web.scenes import ClassroomClip, build_classroom_clip
from web.demo.scene import write_scene

pytestmark = pytest.mark.slow

TTL_S = 3.0
RENEW_S = 1.0
SETTINGS = {
    "ROLLCALL_SERVICE__CAMERA_LEASE_TTL_S": str(TTL_S),
    "ROLLCALL_SERVICE__CAMERA_LEASE_RENEW_S": str(RENEW_S),
    "ROLLCALL_SERVICE__SHUTDOWN_TIMEOUT_S": "10",
}
LATE_S = 14.0  # the class's clip is empty this long: the kill comes before anyone appears
CLIP_SECONDS = 24.0
HALL_CAMERAS = 2  # file cameras in a room without a class, so there is something to share
WAIT_S = 60.0
QUIET_S = 4.0  # watched after everyone is present, for a doubled event
TEACHER = "tina-teacher"
TEACHER_PASSWORD = "tina-teacher-correct-horse"


@pytest.fixture(scope="module")
def late_clip(faces_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ClassroomClip:
    out = tmp_path_factory.mktemp("replicas") / "late-class.mkv"
    # nobody in the room until LATE_S: the kill comes before anyone is seen (a moved camera
    # plays its file from the start again, so the students are seen by the new holder only)
    return build_classroom_clip(
        faces_dir,
        out,
        students=2,
        strangers=1,
        size=(640, 480),
        seconds=CLIP_SECONDS,
        seed=7,
        first_entry_s=LATE_S,
    )


@pytest.fixture(scope="module")
def empty_hall(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replicas") / "empty-hall.mkv"
    return write_scene(out, [], (320, 240), 5, seconds=4.0)


async def _statuses(client: ApiClient) -> dict[str, dict[str, Any]]:
    listed = await client.call("GET", "/api/cameras/status")
    return {item["camera_id"]: item for item in listed["items"]}


async def _until_cameras(
    client: ApiClient, cameras: set[str], running_in: list[Replica], timeout_s: float
) -> dict[str, dict[str, Any]]:
    """Poll until every camera is live in one of `running_in`, as `client`'s process sees."""
    async with asyncio.timeout(timeout_s):
        while True:
            statuses = await _statuses(client)
            if statuses.keys() >= cameras and all(
                statuses[c]["state"] == "live"
                and any(r.runs_as(statuses[c]["holder"]) for r in running_in)
                for c in cameras
            ):
                return statuses
            await asyncio.sleep(0.1)


async def _cameras_held(replica: Replica, client: ApiClient) -> float:
    async with client.http.get(f"{replica.url}/metrics") as response:
        text = await response.text()
    line = next(x for x in text.splitlines() if x.startswith("rollcall_cameras_held "))
    return float(line.split()[1])


async def test_a_killed_replicas_cameras_move_to_the_others_and_no_attendance_is_lost_or_doubled(
    db: Database,
    database_url: str,
    admin: SignedIn,
    late_clip: ClassroomClip,
    empty_hall: Path,
    tmp_path: Path,
) -> None:
    async with replicas(3, database_url, tmp_path, SETTINGS) as processes:
        first = processes[0]
        async with signed_in(first.url, admin.user.username, admin.password) as admin_api:
            await admin_api.call(
                "POST",
                "/api/users",
                json={"username": TEACHER, "password": TEACHER_PASSWORD, "role": "teacher"},
                expect=201,
            )
            async with signed_in(first.url, TEACHER, TEACHER_PASSWORD) as teacher_api:
                [(absent, photos)] = late_clip.absent.items()
                klass = await configure_class(
                    admin_api, teacher_api, late_clip, Absentee(absent, photos)
                )
            hall = await admin_api.call("POST", "/api/rooms", json={"name": "Hall"}, expect=201)

        # file cameras are configured on the server (the API takes network cameras only)
        room_camera = await db.cameras.create(
            name="Class", kind=CameraKind.FILE, url=str(late_clip.path), room_id=UUID(klass.room_id)
        )
        cameras = {str(room_camera.camera.id)}
        for number in range(HALL_CAMERAS):
            created = await db.cameras.create(
                name=f"Hall {number}",
                kind=CameraKind.FILE,
                url=str(empty_hall),
                room_id=UUID(hall["id"]),
            )
            cameras.add(str(created.camera.id))
        added_at = time.monotonic()

        async with signed_in(first.url, TEACHER, TEACHER_PASSWORD) as watcher:
            statuses = await _until_cameras(watcher, cameras, processes, WAIT_S)
            # the three processes took one camera each: every camera runs in exactly one
            holders = Counter(statuses[c]["holder"] for c in cameras)
            assert sorted(holders.values()) == [1, 1, 1], holders
        victim = next(
            p for p in processes if p.runs_as(statuses[str(room_camera.camera.id)]["holder"])
        )
        survivors = [p for p in processes if p is not victim]

        async with (
            signed_in(survivors[0].url, TEACHER, TEACHER_PASSWORD) as teacher_api,
            board_of(teacher_api, klass.session_id) as board,
        ):
            await victim.kill()
            killed_at = time.monotonic()
            assert killed_at - added_at < LATE_S, "the students appeared before the kill"
            statuses = await _until_cameras(teacher_api, cameras, survivors, WAIT_S)
            moved_s = time.monotonic() - killed_at
            assert not board.present_events(), "nobody is in the clip before it starts again"

            student_ids = {klass.person_ids[name] for name in klass.students}
            await board.wait_until(
                lambda b: student_ids <= {a.message["person_id"] for a in b.present_events()},
                LATE_S + WAIT_S,
            )
            await asyncio.sleep(QUIET_S)  # the students stay in view: no second event may come
            present = [a.message["person_id"] for a in board.present_events()]
            sheet = await teacher_api.call("GET", f"/api/sessions/{klass.session_id}/attendance")
            held = [await _cameras_held(p, teacher_api) for p in survivors]

    assert sorted(present) == sorted(student_ids), "each student present once on the board"
    lines = {line["person_id"]: line for line in sheet["items"]}
    assert {p for p, line in lines.items() if line["status"] == "present"} == student_ids
    assert lines[klass.person_ids[absent]]["status"] == "unseen"  # the session is still open
    inserted = [
        e.payload["person_id"]
        for e in await db.events.read_after(EventCursor(0, 0), limit=10_000)
        if e.kind == EventKind.ATTENDANCE_UPSERTED
        and e.payload["session_id"] == klass.session_id
        and e.payload["inserted"]
    ]
    assert sorted(inserted) == sorted(student_ids), "each student recorded once in the log"
    # the two survivors share the three cameras, each run once
    assert sorted(held) == [1.0, 2.0]
    assert all(any(p.runs_as(statuses[c]["holder"]) for p in survivors) for c in cameras)
    print(
        json.dumps(
            {
                "replicas": 3,
                "cameras": len(cameras),
                "lease_ttl_s": TTL_S,
                "lease_renew_s": RENEW_S,
                "kill_to_all_cameras_live_elsewhere_s": round(moved_s, 2),
                "students_present": len(present),
                "present_events_lost": len(student_ids - set(present)),
                "present_events_doubled": len(present) - len(set(present)),
            }
        )
    )
