"""Each alert rule fires when its fault happens for real, and goes back to inactive when the
fault ends: Debian's real Prometheus scrapes a real `rollcall serve` on 127.0.0.1 and
evaluates the rules of k8s/base/prometheusrule.yaml (which compose loads too).

The rules are time-compressed for the test (tests/k8s/alert_rules.py): every `for:` and every
range window divided by 60, the expressions otherwise the same, so a fault held for seconds
stands for one held for minutes; Prometheus scrapes and evaluates every second.

One service, one timeline of faults:
  A. a session is open and a face is in front of its camera, but nobody in the gallery looks
     like it (the student was never enrolled): RollcallNoAttendanceDuringSession; enrolling
     the student ends it.
  B. four more rooms' RTSP cameras are unreachable (their server is not running):
     RollcallCameraDown; PostgreSQL is stopped, the RTSP server starts and students walk in:
     their decisions wait in the write buffer (RollcallDatabaseWritesBuffered) and fill the
     4 KiB decision journal (RollcallDecisionJournalFull); PostgreSQL comes back and both end.
  C. the service's CPU is throttled as a container's CPU quota throttles it (the kernel lets
     it run a slice of each period, stopped for the rest: SIGSTOP/SIGCONT here, a slice sized
     from the service's own batch times): batches take over 0.5 s (RollcallInferenceSlow) and
     frames are replaced before they are analysed (RollcallFramesDroppedHigh), and the
     analysis reports itself over capacity (RollcallAnalysisOverCapacity); the throttle ends
     and so do they.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import aiohttp
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from recognizer.analyzer import FaceAnalyzer
from recognizer.images import load_image
from store.cameras import CameraKind
from store.config import StoreConfig
from store.database import Database
from store.embedded import EmbeddedPostgres
from store.server import ensure_database
from tests.k8s.alert_rules import alert_names, kubernetes_rules, time_compressed
from tests.k8s.prometheus_server import running_prometheus
from tests.streamer.servers import RtspServer
from tests.web.live.conftest import (
    CLIP_FPS,
    CLIP_SIZE,
    LATECOMER,
    SEATS,
    STRANGER,
    STUDENTS,
    Cast,
    seed_classroom,
)
from tests.web.live.serve_process import ServiceRuns
from tests.web.live.test_crash_recovery import wait_for
from web.demo.scene import Actor, write_scene

COMPRESSION = 60  # minutes of the real rules become seconds
INTERVAL_S = 1.0  # scrape and evaluation
CLIP_SECONDS = 6.0
STREAM_SECONDS = 30.0  # the RTSP cameras' stream: no end of stream (a reconnect) in phase B
ROOMS = 4  # phase B: 4 rooms x (3 decisions + 1 unknown-face notice) overflow 4 KiB
JOURNAL_MAX_BYTES = 4096  # the smallest bound the settings allow
# The throttle gives the service the share of each period that stretches its mean detector
# batch (one per analysis turn, measured unthrottled just before) to THROTTLED_DETECTOR_S, on a
# slow machine or a fast one. Then recognizer batches (several times longer) pass the alert's
# 0.5 s, turns fall far behind the 5 fps of frames admitted, and yet a turn still comes within
# every 5 s window (a window without one has no rate to take a quantile of).
THROTTLED_DETECTOR_S = 0.35
BATCH_SAMPLE_S = 3.0
THROTTLE_SHARES = (0.02, 0.05)  # bounds against a sample skewed by a busy machine
THROTTLE_PERIOD_S = 0.1
ALERT_WAIT_S = 45.0  # bound on each wait for an alert's state

pytestmark = pytest.mark.slow

Labels = Callable[[dict[str, str]], bool]


def any_labels(labels: dict[str, str]) -> bool:
    return True


def clip(faces_dir: Path, path: Path, names: tuple[str, ...], seconds: float) -> Path:
    actors = [
        Actor(
            image=load_image(sorted((faces_dir / "lfw" / name).glob("*.jpg"))[1]),
            enter_s=0.5,
            exit_s=seconds,
            start=SEATS[name][0],
            end=SEATS[name][1],
            height=0.42,
            name=name,
        )
        for name in names
    ]
    return write_scene(path, actors, CLIP_SIZE, CLIP_FPS, seconds=seconds)


@contextmanager
def cpu_throttled(pid: int, share: float, period_s: float) -> Iterator[None]:
    """Let the process run `share` of every `period_s`, stopped for the rest, as the kernel's
    CFS quota does to a container over its CPU limit; it runs freely again after the block."""
    stop = threading.Event()

    def cycle() -> None:
        try:
            while not stop.is_set():
                os.kill(pid, signal.SIGSTOP)
                time.sleep(period_s * (1 - share))
                os.kill(pid, signal.SIGCONT)
                time.sleep(period_s * share)
        finally:
            os.kill(pid, signal.SIGCONT)

    thread = threading.Thread(target=cycle, name="cpu-throttle", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


async def _samples(service: ServiceRuns) -> list[Sample]:
    async with aiohttp.ClientSession() as client, client.get(f"{service.url}/metrics") as r:
        text = await r.text()
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


async def scraped(service: ServiceRuns, name: str) -> float:
    """The service's own /metrics value of a sample without labels."""
    for sample in await _samples(service):
        if sample.name == name and not sample.labels:
            return sample.value
    raise AssertionError(f"{name} not in /metrics")


async def _batch_totals(service: ServiceRuns) -> dict[str, tuple[float, float]]:
    """Per model: (seconds, batches) so far."""
    totals: dict[str, tuple[float, float]] = {}
    for s in await _samples(service):
        if s.name in ("rollcall_inference_seconds_sum", "rollcall_inference_seconds_count"):
            seconds, batches = totals.get(s.labels["model"], (0.0, 0.0))
            if s.name.endswith("_sum"):
                totals[s.labels["model"]] = (seconds + s.value, batches)
            else:
                totals[s.labels["model"]] = (seconds, batches + s.value)
    return totals


async def throttle_share(service: ServiceRuns) -> float:
    """The share of wall time that stretches the detector's mean batch of the last
    BATCH_SAMPLE_S to THROTTLED_DETECTOR_S (a computation stopped for the rest of each period
    takes 1/share as long)."""
    before_s, before_n = (await _batch_totals(service))["detector"]
    await asyncio.sleep(BATCH_SAMPLE_S)
    after_s, after_n = (await _batch_totals(service))["detector"]
    assert after_n > before_n, "no analysis while unthrottled"
    low, high = THROTTLE_SHARES
    return min(max((after_s - before_s) / (after_n - before_n) / THROTTLED_DETECTOR_S, low), high)


async def test_every_alert_fires_on_its_fault_and_ends_with_it(
    own_server: EmbeddedPostgres,
    analyzer: FaceAnalyzer,
    cast: Cast,
    faces_dir: Path,
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(time_compressed(kubernetes_rules(), COMPRESSION)))
    await ensure_database(own_server.dsn("postgres"), "rollcall")
    dsn = own_server.dsn("rollcall")
    store = StoreConfig(database_url=dsn, data_dir=tmp_path / "test")
    alone = clip(faces_dir, tmp_path / "alone.mp4", (LATECOMER,), CLIP_SECONDS)
    classroom = clip(
        faces_dir, tmp_path / "class.mkv", (*STUDENTS, LATECOMER, STRANGER), STREAM_SECONDS
    )
    cameras_server = RtspServer(classroom)  # started in phase B
    async with Database.connect(dsn, store) as db:
        room = await seed_classroom(
            db, Cast(cast.embeddings, alone), analyzer.pack_name, without_templates=(LATECOMER,)
        )
    service = ServiceRuns(
        dsn,
        tmp_path / "service",
        settings={
            "ROLLCALL_STORE__JOURNAL_MAX_BYTES": str(JOURNAL_MAX_BYTES),
            # a camera that answers again is read again within a second
            "ROLLCALL_STREAMER__BACKOFF_MAX_S": "1",
            # leases that a throttled process still renews in time (one process here)
            "ROLLCALL_SERVICE__CAMERA_LEASE_TTL_S": "30",
            "ROLLCALL_SERVICE__CAMERA_LEASE_RENEW_S": "5",
            # a scan every second, whatever moves: phase C sizes its throttle from the mean
            # detector batch, which a motion-gated still room would make nearly nothing
            "ROLLCALL_PRESENCE__MOTION_GATE": "false",
        },
    )
    timings: dict[str, dict[str, float]] = {}
    await service.start()
    try:
        await service.ready()
        target = service.url.removeprefix("http://")
        async with running_prometheus(tmp_path / "prometheus", [target], rules, INTERVAL_S) as p:
            await wait_for(p.targets_up)

            clock = asyncio.get_running_loop().time

            async def reached(
                state: str, since: float, *alerts: str, labels: Labels = any_labels
            ) -> None:
                """Wait for each alert to reach `state`, all at once; note when each did,
                counted from `since` (the fault's start or end)."""

                async def one(alert: str) -> None:
                    await p.wait_for(alert, state, ALERT_WAIT_S, labels)
                    timings.setdefault(alert, {})[f"{state}_after_s"] = round(clock() - since, 1)

                await asyncio.gather(*(one(alert) for alert in alerts))

            async def quiet(*alerts: str) -> None:
                """Before a fault: its alerts are not already pending or firing."""
                await asyncio.gather(*(p.wait_for(a, "inactive", ALERT_WAIT_S) for a in alerts))

            # A. nobody recognised during an open session (from the start)
            await reached("firing", clock(), "RollcallNoAttendanceDuringSession")
            async with Database.connect(dsn, store) as db:
                await db.templates.add(
                    room.people[LATECOMER].id,
                    cast.embeddings[LATECOMER],
                    model_pack=analyzer.pack_name,
                )
            await reached("inactive", clock(), "RollcallNoAttendanceDuringSession")

            # B. cameras without a picture; then PostgreSQL away while students arrive
            await quiet(
                "RollcallCameraDown",
                "RollcallDatabaseWritesBuffered",
                "RollcallDecisionJournalFull",
            )
            async with Database.connect(dsn, store) as db:
                sessions = [
                    await _room_with_session(db, room.session.course_id, cameras_server.url, i)
                    for i in range(ROOMS)
                ]
            cameras = {str(camera) for camera, _ in sessions}
            await reached(
                "firing",
                clock(),
                "RollcallCameraDown",
                labels=lambda labels: labels["camera"] in cameras,
            )

            async def every_session_open() -> bool:
                return await scraped(service, "rollcall_sessions_open") == ROOMS + 1

            await wait_for(every_session_open)  # so the students' decisions are for these
            outage = clock()
            await own_server.stop()
            await asyncio.to_thread(cameras_server.start)
            await reached("inactive", clock(), "RollcallCameraDown")
            await reached(
                "firing", outage, "RollcallDatabaseWritesBuffered", "RollcallDecisionJournalFull"
            )
            await own_server.start()
            await reached(
                "inactive", clock(), "RollcallDatabaseWritesBuffered", "RollcallDecisionJournalFull"
            )
            async with Database.connect(dsn, store) as db:
                for _, session_id in sessions:
                    rows = (await db.attendance.list_for_session(session_id)).items
                    assert {r.person_id for r in rows} == {
                        room.people[n].id for n in (*STUDENTS, LATECOMER)
                    }
                for camera_id, _ in sessions:  # back to one camera for phase C
                    await db.cameras.set_enabled(camera_id, False)

            # C. the CPU throttled
            throttled_alerts = (
                "RollcallInferenceSlow",
                "RollcallFramesDroppedHigh",
                "RollcallAnalysisOverCapacity",
            )
            await quiet(*throttled_alerts)
            assert service.process is not None
            share = await throttle_share(service)
            timings["throttle"] = {"share": round(share, 4)}
            with cpu_throttled(service.process.pid, share, THROTTLE_PERIOD_S):
                await reached("firing", clock(), *throttled_alerts)
            await reached("inactive", clock(), *throttled_alerts)
    finally:
        await service.stop()
        cameras_server.kill()
    print("alerts:", json.dumps(timings))
    assert set(timings) - {"throttle"} == set(alert_names(kubernetes_rules()))


async def _room_with_session(
    db: Database, course_id: UUID, url: str, index: int
) -> tuple[UUID, UUID]:
    """A room whose RTSP camera reads `url`, and a session there now."""
    room = await db.rooms.create(f"Room {index}")
    camera = await db.cameras.create(
        name=f"cam {index}", kind=CameraKind.RTSP, url=url, room_id=room.id
    )
    now = datetime.now(UTC)
    session = await db.sessions.create(
        course_id=course_id,
        room_id=room.id,
        scheduled_start=now - timedelta(minutes=1),
        scheduled_end=now + timedelta(hours=1),
        grace_minutes=10,
    )
    return camera.camera.id, session.id
