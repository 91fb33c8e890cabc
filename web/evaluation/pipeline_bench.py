"""`rollcall bench pipeline`: a classroom clip played as N file cameras through the whole
service path, against InsightFace's FaceAnalysis run on every frame of the same clip.

The service path is the real one: a throw-away embedded PostgreSQL (the students enrolled in
it, one room, camera and open session per camera), the live runtime (supervisor -> presence
engine -> write buffer -> change feed -> hub), measured from the hub's side like a board.

- analyzed_fps_per_camera: frames the engine analysed, per camera and second of the run.
- cpu_per_camera: process CPU time / wall time / cameras (1.0 = one core per camera).
- event_latency_p50_s / _p95_s: from the first frame of the clip in which a student is wholly
  in view and unhidden, to their "present" message leaving the hub.
- naive_fps: FaceAnalysis (detection + recognition of every face, every frame) on the clip.
- speedup_vs_faceanalysis: CPU time per frame of FaceAnalysis over CPU time per analysed
  frame of the whole service (decoding, tracking, embedding only what needs it, voting, the
  database, the feed and the hub included).
- live_view (with --live-view): the same runtime afterwards, alternately without and with a
  live viewer on every camera (web.evaluation.live_view_cost), each phase whole loops of the
  clip.
"""

from __future__ import annotations

import asyncio
import logging
import math
import tempfile
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import av
import numpy as np

from recognizer.analyzer import FaceAnalyzer
from recognizer.benchmark import faceanalysis_reference
from recognizer.gallery import Gallery
from recognizer.model_pack import locate_model_pack
from recognizer.providers import choose_providers
from store.cameras import CameraKind
from store.database import Database
from store.sessions import SessionStatus
from web.demo.cast import find_cast, split_cast
from web.demo.classroom import make_classroom
from web.demo.classroom_levels import LEVELS
from web.demo.photos import locate_demo_photos
from web.demo.scene import Actor, first_clear_view, write_scene
from web.demo.staging import stage_actors
from web.evaluation.class_files import Role, read_class
from web.evaluation.live_view_cost import measure_live_view_cost
from web.evaluation.video_run import enrol_class
from web.live.hub import Subscription
from web.live.messages import AttendanceMessage
from web.live.runtime import LiveRuntime
from web.settings import Settings
from web.telemetry.metrics import Metrics

logger = logging.getLogger(__name__)

_POLL_S = 0.05


@dataclass(frozen=True)
class PipelinePlan:
    cameras: tuple[int, ...] = (1,)  # one run per count, each on a fresh database
    seconds: float = 30.0
    analysis_fps: float | None = None  # None: the service's configured rate
    naive_frames: int = 60
    students: int = 6
    strangers: int = 4
    clip_seconds: float = 20.0
    clip_fps: int = 10
    clip_size: tuple[int, int] = (1280, 720)
    classroom: str | None = None  # a generated classroom level instead of the demo's clip
    faces_dir: Path | None = None  # its labelled photos
    live_view_phase_s: float | None = None  # then, phases without and with a live viewer
    live_view_phases: int = 3  # of each condition
    settled_s: float | None = None  # then, a room of seated students: filling, then settled
    settled_cameras: int = 4


@dataclass(frozen=True)
class Clip:
    """A video the cameras play, who in it is enrolled, and when each can first be seen."""

    path: Path
    fps: int
    enrolments: dict[str, list[tuple[np.ndarray, float]]]  # name -> (embedding, quality)
    appearances: dict[str, float]  # name -> clip time of their first clear view
    seconds: float  # one loop of it


@dataclass(frozen=True)
class BenchCamera:
    camera_id: UUID
    session_id: UUID


def make_clip(analyzer: FaceAnalyzer, folder: Path, plan: PipelinePlan) -> Clip:
    """Students and strangers of the demo photos taking seats, as an H.264 file. Sync."""
    cast = find_cast(analyzer, locate_demo_photos().paths, plan.students + plan.strangers)
    students, strangers = split_cast(cast, plan.students)
    people = [m for pair in zip(students, strangers, strict=False) for m in pair]
    people += students[len(strangers) :] + strangers[len(students) :]
    actors = stage_actors(
        [m.crop for m in people],
        seconds=plan.clip_seconds,
        columns=(len(people) + 1) // 2,
        rows=2,
        height=0.34,
        scale=(0.8, 1.25),
        names=[m.key for m in people],
    )
    path = write_scene(
        folder / "clip.mp4", actors, plan.clip_size, plan.clip_fps, seconds=plan.clip_seconds
    )
    return Clip(
        path,
        plan.clip_fps,
        {m.key: [(m.embedding, m.det_score)] for m in students},
        _appearances(actors, plan.clip_size, plan.clip_fps),
        plan.clip_seconds,
    )


def make_classroom_clip(
    analyzer: FaceAnalyzer, folder: Path, plan: PipelinePlan, settings: Settings
) -> Clip:
    """A generated classroom (`rollcall evaluate make-classroom`'s level): its students
    enrolled from their roster photos by the service's own rule. Sync."""
    assert plan.classroom is not None and plan.faces_dir is not None
    level = LEVELS[plan.classroom]
    clip = make_classroom(plan.faces_dir, folder, level, analyzer=analyzer)
    truth = read_class(clip.roster_csv, clip.expected_csv)
    templates = enrol_class(analyzer, truth, settings).templates
    students = {e.identity: e.arrives_s or 0.0 for e in truth.with_role(Role.STUDENT)}
    return Clip(
        clip.video,
        level.fps,
        {name: [(row, 1.0) for row in templates[name]] for name in students},
        students,
        level.seconds,
    )


async def _enrol(
    database: Database, clip: Clip, pack: str, cameras: int
) -> tuple[dict[UUID, str], list[BenchCamera]]:
    """The students (person id -> actor name) and one room, camera and open session each."""
    now = datetime.now(UTC)
    course = await database.courses.create(code="BENCH-1", name="Pipeline benchmark")
    people: dict[UUID, str] = {}
    for number, (name, templates) in enumerate(clip.enrolments.items(), start=1):
        person = await database.people.create(
            external_id=f"bench-{number}",
            display_name=f"Bench {number}",
            consent_at=now,
            actor="bench",
        )
        for embedding, quality in templates:
            await database.templates.add(
                person.id,
                embedding,
                model_pack=pack,
                quality=quality,
                source="bench",
                actor="bench",
            )
        people[person.id] = name
    await database.courses.enrol(course.id, list(people))
    placed = []
    for index in range(cameras):
        room = await database.rooms.create(f"Bench room {index + 1}")
        created = await database.cameras.create(
            name=f"Bench camera {index + 1}",
            kind=CameraKind.FILE,
            url=str(clip.path),
            room_id=room.id,
        )
        session = await database.sessions.create(
            course_id=course.id,
            room_id=room.id,
            scheduled_start=now - timedelta(minutes=1),
            scheduled_end=now + timedelta(hours=2),
            grace_minutes=30,
        )
        await database.sessions.set_status(session.id, SessionStatus.OPEN)
        placed.append(BenchCamera(created.camera.id, session.id))
    return people, placed


async def _clip_starts(
    live: LiveRuntime, cameras: list[BenchCamera], fps: int, give_up_s: float
) -> dict[UUID, float]:
    """When each camera's clip began to play (monotonic), from its first frames' count."""
    starts: dict[UUID, float] = {}
    deadline = time.monotonic() + give_up_s
    while len(starts) < len(cameras) and time.monotonic() < deadline:
        for camera in cameras:
            status = live.camera_status(camera.camera_id)
            if camera.camera_id in starts or status is None or status.frames_received == 0:
                continue
            age = status.last_frame_age_s or 0.0
            starts[camera.camera_id] = time.monotonic() - age - (status.frames_received - 1) / fps
        await asyncio.sleep(_POLL_S)
    return starts


async def _collect_present(
    subscription: Subscription, into: dict[tuple[UUID, UUID], float]
) -> None:
    """(session id, person id) -> when its first "present" message left the hub."""
    async for message in subscription:
        if isinstance(message, AttendanceMessage) and message.inserted:
            into.setdefault((message.session_id, message.person_id), time.monotonic())


def _frames_analyzed(metrics: Metrics, camera_id: UUID) -> float:
    sample = metrics.registry.get_sample_value(
        "rollcall_frames_analyzed_total", {"camera": str(camera_id)}
    )
    return sample or 0.0


def _appearances(actors: list[Actor], size: tuple[int, int], fps: int) -> dict[str, float]:
    """Actor name -> clip time of their first clear view (their entry if never clear)."""
    appearances = {}
    for actor in actors:
        clear = first_clear_view(actor, size, fps)
        appearances[actor.name] = actor.enter_s if clear is None else clear
    return appearances


@dataclass(frozen=True)
class Work:
    """What a runtime spent so far: seconds per stage, frames offered and dropped."""

    stages: dict[str, float]
    offered: int
    dropped: int

    def __sub__(self, before: Work) -> Work:
        return Work(
            {k: v - before.stages.get(k, 0.0) for k, v in self.stages.items()},
            self.offered - before.offered,
            self.dropped - before.dropped,
        )

    @property
    def dropped_share(self) -> float | None:
        """Frames the rate admitted but the analysis never took (a newer one replaced it)."""
        return round(self.dropped / self.offered, 3) if self.offered else None

    def cores(self, wall: float) -> dict[str, float]:
        return {stage: round(seconds / wall, 3) for stage, seconds in self.stages.items()}

    def limiting_stage(self) -> str | None:
        """The stage that took the most time: the first thing to make cheaper."""
        return max(self.stages, key=self.stages.__getitem__) if self.stages else None


def work_of(live: LiveRuntime) -> Work:
    """The analysis's stages (wall seconds) and the readers' decoding and conversion (their
    threads' CPU seconds), all cameras together."""
    statuses = live.supervisor.statuses()
    stages = live.analysis_stage_seconds()
    stages["decode"] = sum(status.decode_cpu_s for status in statuses)
    stages["convert"] = sum(status.convert_cpu_s for status in statuses)
    return Work(
        stages,
        offered=sum(s.frames_handed_out + s.frames_dropped for s in statuses),
        dropped=sum(s.frames_dropped for s in statuses),
    )


@dataclass
class BenchRun:
    """A live runtime playing the clip on N cameras, and the "present" messages it sent."""

    live: LiveRuntime
    metrics: Metrics
    people: dict[UUID, str]
    cameras: list[BenchCamera]
    present: dict[tuple[UUID, UUID], float]

    def frames_analyzed(self) -> float:
        return sum(_frames_analyzed(self.metrics, camera.camera_id) for camera in self.cameras)


@asynccontextmanager
async def bench_run(
    settings: Settings,
    plan: PipelinePlan,
    folder: Path,
    analyzer: FaceAnalyzer,
    clip: Clip,
    camera_count: int,
) -> AsyncIterator[BenchRun]:
    """A throw-away embedded PostgreSQL with the students enrolled, one room, camera and
    open session per camera, and the live runtime on it, for the block."""
    store = settings.store.model_copy(
        update={"database_url": None, "data_dir": folder / f"pg-{clip.path.stem}-{camera_count}"}
    )
    streamer = settings.streamer
    if plan.analysis_fps is not None:
        streamer = streamer.model_copy(update={"analysis_fps": plan.analysis_fps})
    settings = settings.model_copy(update={"store": store, "streamer": streamer})
    metrics = Metrics()
    present: dict[tuple[UUID, UUID], float] = {}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="bench-cpu") as executor:
        async with Database.open(store) as database:
            people, cameras = await _enrol(database, clip, analyzer.pack_name, camera_count)
            gallery = Gallery(settings.recognizer, analyzer.embedding_dim)
            async with LiveRuntime(
                settings, database, analyzer, gallery, metrics, executor
            ) as live:
                subscription = live.hub.subscribe(None)
                collector = asyncio.create_task(_collect_present(subscription, present))
                try:
                    yield BenchRun(live, metrics, people, cameras, present)
                finally:
                    subscription.close()
                    await collector


async def run_live_part(
    settings: Settings,
    plan: PipelinePlan,
    folder: Path,
    analyzer: FaceAnalyzer,
    clip: Clip,
    camera_count: int,
) -> dict[str, Any]:
    async with bench_run(settings, plan, folder, analyzer, clip, camera_count) as run:
        live, cameras = run.live, run.cameras
        cpu_started, wall_started = time.process_time(), time.monotonic()
        work_started = work_of(live)
        starts = await _clip_starts(live, cameras, clip.fps, give_up_s=plan.seconds)
        await asyncio.sleep(max(0.0, plan.seconds - (time.monotonic() - wall_started)))
        cpu = time.process_time() - cpu_started
        wall = time.monotonic() - wall_started
        work = work_of(live) - work_started
        over_capacity = live.over_capacity
        # Read before the runtime stops: a stopped camera's series are dropped.
        total_analyzed = run.frames_analyzed()
        live_view = None
        if plan.live_view_phase_s is not None:
            # whole loops of the clip: the work varies over a loop (people arrive, tracks
            # start again as it restarts), and phases cut across loops measured that, not
            # the viewer (15 s phases of a 20 s clip: +18% CPU)
            loops = max(1, math.ceil(plan.live_view_phase_s / clip.seconds - 1e-6))
            live_view = await measure_live_view_cost(
                live.views,
                [camera.camera_id for camera in cameras],
                run.frames_analyzed,
                phase_s=loops * clip.seconds,
                phases=plan.live_view_phases,
            )
    people, present = run.people, run.present
    appearances = clip.appearances
    latencies = []
    for camera in cameras:
        start = starts.get(camera.camera_id)
        for person_id, name in people.items():
            sent = present.get((camera.session_id, person_id))
            if start is not None and sent is not None:
                latencies.append(sent - (start + appearances[name]))
    return {
        "cameras": camera_count,
        "seconds": round(wall, 1),
        "clip_fps": clip.fps,
        "analysis_fps_setting": settings.streamer.analysis_fps,
        "analyzed_fps_per_camera": round(total_analyzed / wall / camera_count, 2),
        "analyzed_fps_total": round(total_analyzed / wall, 2),
        "cores_used": round(cpu / wall, 2),
        "cpu_per_camera": round(cpu / wall / camera_count, 3),
        "frames_dropped_share": work.dropped_share,
        "stage_cores": work.cores(wall),
        "limiting_stage": work.limiting_stage(),
        "over_capacity": over_capacity,
        "pipeline_cpu_ms_per_frame": (
            round(cpu / total_analyzed * 1000.0, 1) if total_analyzed else None
        ),
        "students": len(people),
        "present_events": len(latencies),
        "present_expected": len(people) * camera_count,
        "event_latency_p50_s": _percentile(latencies, 50),
        "event_latency_p95_s": _percentile(latencies, 95),
        **({} if live_view is None else {"live_view": live_view}),
    }


def naive_figures(settings: Settings, clip: Clip, frames: int) -> dict[str, Any]:
    """FaceAnalysis (detection + recognition of every face) on the clip's first frames. Sync."""
    config = settings.recognizer
    pack = locate_model_pack(config.model_pack)
    providers = choose_providers(config.providers, strict=config.strict_providers)
    images = _decode(clip.path, frames)
    with faceanalysis_reference(pack, providers, config) as reference:
        if isinstance(reference, str):
            return {"naive_fps": None, "naive_cpu_ms_per_frame": None, "naive_error": reference}
        reference.get(images[0])  # warm-up: the first run allocates ONNX Runtime's arenas
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        for image in images:
            reference.get(image)
        wall = time.perf_counter() - wall_started
        cpu = time.process_time() - cpu_started
    return {
        "naive_frames": len(images),
        "naive_fps": round(len(images) / wall, 2),
        "naive_cpu_ms_per_frame": round(cpu / len(images) * 1000.0, 1),
        "naive_error": None,
    }


def _decode(path: Path, count: int) -> list[np.ndarray]:
    """`count` frames spread evenly over the clip: people arrive one after another, so its
    first seconds alone hold fewer faces (less work for FaceAnalysis) than the clip as a whole
    that the live part analyses."""
    images = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        step = max(1, (stream.frames or count) // max(count, 1))
        for index, frame in enumerate(container.decode(stream)):
            if index % step:
                continue
            images.append(frame.to_ndarray(format="bgr24"))
            if len(images) >= count:
                break
    return images


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


async def run_pipeline_benchmark(settings: Settings, plan: PipelinePlan) -> dict[str, Any]:
    """Both measurements, one after the other in this process; the JSON-ready result."""
    with tempfile.TemporaryDirectory(prefix="rcbench-", dir="/tmp") as root:
        folder = Path(root)
        analyzer = await asyncio.to_thread(FaceAnalyzer.from_config, settings.recognizer)
        if plan.classroom is None:
            clip = await asyncio.to_thread(make_clip, analyzer, folder, plan)
        else:
            clip = await asyncio.to_thread(make_classroom_clip, analyzer, folder, plan, settings)
        runs = []
        for count in plan.cameras:
            runs.append(await run_live_part(settings, plan, folder, analyzer, clip, count))
            logger.info("pipeline run done", extra={"cameras": count})
        naive = await asyncio.to_thread(naive_figures, settings, clip, plan.naive_frames)
    theirs = naive["naive_cpu_ms_per_frame"]
    for run in runs:
        ours = run["pipeline_cpu_ms_per_frame"]
        run["speedup_vs_faceanalysis"] = round(theirs / ours, 2) if ours and theirs else None
    return {
        "runs": runs,
        "cameras_held": cameras_held(runs),
        **naive,
        "providers": analyzer.providers,
    }


# A camera is held when it is analysed at (nearly) the asked rate, marks every student and
# marks them quickly: the figures an operator sizes a machine by.
HELD_RATE_SHARE = 0.9
HELD_P95_S = 1.5


def cameras_held(runs: list[dict[str, Any]]) -> int | None:
    """The most cameras of the runs that were all held at the analysis rate, every student
    marked with p95 latency within HELD_P95_S; None when not even the fewest were."""
    held = [
        run["cameras"]
        for run in runs
        if run["analyzed_fps_per_camera"] >= HELD_RATE_SHARE * run["analysis_fps_setting"]
        and run["present_events"] == run["present_expected"]
        and run["event_latency_p95_s"] is not None
        and run["event_latency_p95_s"] <= HELD_P95_S
    ]
    return max(held) if held else None


TABLE_COLUMNS = (
    ("cameras", "cameras"),
    ("analyzed_fps_per_camera", "fps/camera"),
    ("analyzed_fps_total", "fps total"),
    ("cores_used", "cores"),
    ("event_latency_p50_s", "p50 s"),
    ("event_latency_p95_s", "p95 s"),
    ("frames_dropped_share", "dropped"),
    ("marked", "marked"),
    ("limiting_stage", "limiting stage"),
)


def table_lines(runs: list[dict[str, Any]]) -> list[str]:
    """The runs as a plain-text table, a row per camera count."""
    rows = [[title for _, title in TABLE_COLUMNS]]
    for run in runs:
        values = {**run, "marked": f"{run['present_events']}/{run['present_expected']}"}
        stage = run["limiting_stage"]
        if stage is not None:
            values["limiting_stage"] = f"{stage} ({run['stage_cores'][stage]:.2f} cores)"
        rows.append(["-" if values[key] is None else str(values[key]) for key, _ in TABLE_COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]
    return [
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
