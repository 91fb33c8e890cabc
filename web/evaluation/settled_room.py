"""What a settled room costs against one filling up: `rollcall bench pipeline --settled S`.

A room of seated students (and strangers) who all sit down in the first seconds and then stay,
played on N file cameras: the *filling* phase runs from the start until every student is marked
on every camera (plus a moment for the strangers to be counted unknown), the *settled* phase
the S seconds after it. Both are measured in the same runtime, one after the other, as CPU
cores per camera and per stage: what a lesson costs once everyone is in.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recognizer.analyzer import FaceAnalyzer
from web.demo.cast import find_cast, split_cast
from web.demo.photos import locate_demo_photos
from web.demo.scene import Actor, write_scene
from web.evaluation.pipeline_bench import (
    BenchRun,
    Clip,
    PipelinePlan,
    Work,
    bench_run,
    work_of,
)
from web.settings import Settings

ARRIVAL_GAP_S = 0.4  # one person sits down after another
SETTLE_S = 4.0  # after the last student is marked: strangers run out of attempts meanwhile
FILLING_LIMIT_S = 20.0  # a room not filled by then is reported as such
POLL_S = 0.1


def make_settled_clip(analyzer: FaceAnalyzer, folder: Path, plan: PipelinePlan) -> Clip:
    """Seated people who arrive in the first seconds and stay, swaying a little; long enough
    that no loop of the file restarts the room during the measurement. Sync."""
    cast = find_cast(analyzer, locate_demo_photos().paths, plan.students + plan.strangers)
    students, strangers = split_cast(cast, plan.students)
    people = students + strangers
    columns = (len(people) + 1) // 2
    seconds = FILLING_LIMIT_S + SETTLE_S + (plan.settled_s or 0.0) + 5.0
    actors = [
        Actor(
            image=member.crop,
            enter_s=0.5 + ARRIVAL_GAP_S * index,
            exit_s=seconds,
            start=((index % columns + 0.5) / columns, (index // columns + 0.5) / 2),
            height=0.34,
            sway=(0.004, 0.003),
            sway_phase=index * 0.9,
            name=member.key,
        )
        for index, member in enumerate(people)
    ]
    path = write_scene(
        folder / "settled.mp4", actors, plan.clip_size, plan.clip_fps, seconds=seconds
    )
    return Clip(
        path,
        plan.clip_fps,
        {m.key: [(m.embedding, m.det_score)] for m in students},
        {actor.name: actor.enter_s for actor in actors},
        seconds,
    )


async def run_settled_part(
    settings: Settings, plan: PipelinePlan, folder: Path, analyzer: FaceAnalyzer
) -> dict[str, Any]:
    assert plan.settled_s is not None
    clip = await asyncio.to_thread(make_settled_clip, analyzer, folder, plan)
    cameras = plan.settled_cameras
    async with bench_run(settings, plan, folder, analyzer, clip, cameras) as run:
        expected = len(run.people) * cameras
        filling = _Phase.start(run)
        for _ in range(round(FILLING_LIMIT_S / POLL_S)):  # polled: the bench reads, never waits
            if len(run.present) >= expected:
                break
            await asyncio.sleep(POLL_S)
        filled_s = filling.elapsed()
        await asyncio.sleep(SETTLE_S)
        filled = filling.end(run)
        settled = _Phase.start(run)
        await asyncio.sleep(plan.settled_s)
        still = settled.end(run)
    return {
        "cameras": cameras,
        "students_marked": len(run.present),
        "students_expected": expected,
        "filling_s": round(filled_s, 1),
        "filling": filled.figures(cameras),
        "settled": still.figures(cameras),
        "settled_over_filling": (
            round(still.cpu_s / still.wall_s / (filled.cpu_s / filled.wall_s), 3)
            if filled.cpu_s
            else None
        ),
    }


@dataclass(frozen=True)
class _Measured:
    cpu_s: float
    wall_s: float
    work: Work
    analysed: float

    def figures(self, cameras: int) -> dict[str, Any]:
        return {
            "seconds": round(self.wall_s, 1),
            "cpu_per_camera": round(self.cpu_s / self.wall_s / cameras, 4),
            "analyzed_fps_per_camera": round(self.analysed / self.wall_s / cameras, 2),
            "stage_cores_per_camera": {
                stage: round(cores / cameras, 4)
                for stage, cores in self.work.cores(self.wall_s).items()
            },
        }


@dataclass(frozen=True)
class _Phase:
    """Where a phase started: the process's CPU, the clock, the work done, frames analysed."""

    cpu: float
    wall: float
    work: Work
    analysed: float

    @classmethod
    def start(cls, run: BenchRun) -> _Phase:
        return cls(time.process_time(), time.monotonic(), work_of(run.live), run.frames_analyzed())

    def elapsed(self) -> float:
        return time.monotonic() - self.wall

    def end(self, run: BenchRun) -> _Measured:
        return _Measured(
            cpu_s=time.process_time() - self.cpu,
            wall_s=time.monotonic() - self.wall,
            work=work_of(run.live) - self.work,
            analysed=run.frames_analyzed() - self.analysed,
        )
