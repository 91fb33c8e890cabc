"""What every camera kind must deliver, checked the way a teacher would see it: the board's
live events and the session's attendance sheet, plus the measured time from each student's
first appearance in the clip to their present event on the board."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from tests.web.e2e.api_client import ApiClient
from tests.web.e2e.board import Board
from tests.web.e2e.classroom import ConfiguredClass
from tests.web.e2e.clip_clock import ClipClock, follow_clip
from tests.web.scenes import ClassroomClip

WAIT_S = 120.0  # bound on waits for what must happen (generous: 2 shared cores)
QUIET_S = 4.0  # watched after everyone is present, for what must not happen


@dataclass(frozen=True)
class Timing:
    camera_kind: str
    appearance_to_event_s: dict[str, float]  # student -> seconds
    capture_to_event_mean_s: float  # the service's own rollcall_event_latency_seconds

    def report(self) -> str:
        each = ", ".join(f"{name} {s:.2f} s" for name, s in self.appearance_to_event_s.items())
        return (
            f"[e2e {self.camera_kind}] first appearance in the clip -> present event on the "
            f"board: {each}; capture -> event (service histogram) mean "
            f"{self.capture_to_event_mean_s:.2f} s"
        )


def _everyone_expected_in(klass: ConfiguredClass) -> Callable[[Board], bool]:
    student_ids = {klass.person_ids[name] for name in klass.students}

    def reached(board: Board) -> bool:
        present = {a.message["person_id"] for a in board.present_events()}
        return student_ids <= present and bool(board.of_type("unknown_face"))

    return reached


async def _scrape(client: ApiClient) -> dict[str, float]:
    """/metrics as a Prometheus server reads it: each sample name's total over its labels."""
    async with client.http.get(f"{client.url}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    totals: dict[str, float] = defaultdict(float)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] += sample.value
    return totals


async def expect_students_present_once(
    board: Board,
    teacher: ApiClient,
    klass: ConfiguredClass,
    clip: ClassroomClip,
    camera_id: str,
    camera_kind: str,
) -> Timing:
    """Play out the clip on a camera just added to the class's room and check the outcome:
    each student present exactly once on the board, in the database and in the metrics, from
    this camera;
    the absentee and the strangers never; the strangers counted as unknown faces."""
    snapshot = board.of_type("snapshot")[0].message  # taken before the camera was added
    assert snapshot["session"]["id"] == klass.session_id
    assert (snapshot["counts"]["enrolled"], snapshot["counts"]["unseen"]) == (
        len(klass.person_ids),
        len(klass.person_ids),
    )
    clock = ClipClock(clip.fps, clip.seconds)
    following = asyncio.create_task(follow_clip(teacher, camera_id, clock))
    try:
        await board.wait_until(_everyone_expected_in(klass), WAIT_S)
        await asyncio.sleep(QUIET_S)  # the students stay in view: no second event may come
        async with asyncio.timeout(WAIT_S):
            await following
    finally:
        following.cancel()
    assert clock.start is not None

    student_ids = {klass.person_ids[name]: name for name in klass.students}
    events = board.present_events()
    assert sorted(a.message["person_id"] for a in events) == sorted(student_ids), (
        "each student present exactly once, nobody else: got "
        f"{[klass.identity_of(a.message['person_id']) for a in events]}"
    )
    for arrival in board.of_type("attendance"):
        message = arrival.message
        assert message["person_id"] in student_ids, f"{message} is not about a student"
        assert message["session_id"] == klass.session_id
        assert message["status"] == "present" and message["manual"] is False
        assert message["camera_id"] == camera_id

    sheet = await teacher.call("GET", f"/api/sessions/{klass.session_id}/attendance")
    lines = {line["person_id"]: line for line in sheet["items"]}
    for person_id in student_ids:
        assert lines[person_id]["status"] == "present"
        assert lines[person_id]["recorded"] and lines[person_id]["sightings"] >= 1
        assert lines[person_id]["camera_id"] == camera_id
    absentee = lines[klass.person_ids[klass.absentee]]
    assert (absentee["status"], absentee["recorded"]) == ("unseen", False)
    assert sheet["counts"]["present"] == len(student_ids)
    assert sheet["counts"]["enrolled"] == len(klass.person_ids)

    # (its state is no concern here: a clip that has ended reads as a camera reconnecting)
    status = await teacher.call("GET", f"/api/cameras/{camera_id}/status")
    assert status["session_id"] == klass.session_id

    metrics = await _scrape(teacher)
    assert metrics["rollcall_attendance_events_total"] == len(student_ids)
    latency_count = metrics["rollcall_event_latency_seconds_count"]
    assert latency_count == len(student_ids)

    arrived = {student_ids[a.message["person_id"]]: a.at for a in events}
    return Timing(
        camera_kind=camera_kind,
        appearance_to_event_s={
            name: arrived[name] - (clock.start + clip.first_seen_s[name]) for name in klass.students
        },
        capture_to_event_mean_s=metrics["rollcall_event_latency_seconds_sum"] / latency_count,
    )
