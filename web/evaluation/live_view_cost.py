"""What a live view costs the analysis (`rollcall bench pipeline --live-view`): the same
running service measured in alternating phases without and with a viewer on every camera.

Phases alternate A B B A A B ... so a drift over the run (a neighbour on a shared machine)
falls on both conditions alike. Each phase must be whole loops of the clip: the work varies
over a loop, and phases that cut across loops differ by what part of it they hold. A viewer
here takes each preview as the HTTP stream does (its JSON line made, the bytes counted), the
socket's write left out.

- analyzed_fps_per_camera, cpu_per_camera: as the pipeline benchmark's, per condition.
- previews_per_s_per_camera, preview_kb: what the viewers got.
- encode_cpu_ms_per_preview: the encoding thread's own CPU time per preview (scaling down
  and JPEG; OpenCV's helper threads, if it starts any, are not in it but are in cpu).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from web.live.live_views import LiveViews, Viewer

CONDITIONS = ("without", "with")


@dataclass
class _Totals:
    wall_s: float = 0.0
    cpu_s: float = 0.0
    analysed: float = 0.0
    previews: int = 0
    preview_bytes: int = 0
    encoded: int = 0
    encode_cpu_s: float = 0.0


async def _take(viewer: Viewer, totals: _Totals) -> None:
    while not viewer.closed:
        preview = await viewer.next(1.0)
        if preview is not None:
            totals.previews += 1
            totals.preview_bytes += len(preview.ndjson_line)


async def _phase(
    views: LiveViews,
    cameras: list[UUID],
    analysed: Callable[[], float],
    seconds: float,
    watched: bool,
    totals: _Totals,
) -> None:
    viewers = [views.watch(camera) for camera in cameras] if watched else []
    takers = [asyncio.create_task(_take(viewer, totals)) for viewer in viewers]
    cpu, wall, frames = time.process_time(), time.monotonic(), analysed()
    encoded, encode_cpu = views.encoded, views.encode_cpu_s
    await asyncio.sleep(seconds)
    totals.cpu_s += time.process_time() - cpu
    totals.wall_s += time.monotonic() - wall
    totals.analysed += analysed() - frames
    totals.encoded += views.encoded - encoded
    totals.encode_cpu_s += views.encode_cpu_s - encode_cpu
    for viewer in viewers:
        viewer.close()
    await asyncio.gather(*takers)


async def measure_live_view_cost(
    views: LiveViews,
    cameras: list[UUID],
    analysed: Callable[[], float],
    *,
    phase_s: float,
    phases: int,
) -> dict[str, Any]:
    """`phases` phases of each condition, `phase_s` seconds each; `analysed()` is the frames
    the engine analysed so far over all `cameras`."""
    totals = {condition: _Totals() for condition in CONDITIONS}
    order = [CONDITIONS[(i + 1) // 2 % 2] for i in range(2 * phases)]  # A B B A A B ...
    each = []  # every phase's analysed fps and CPU per camera: how much phases vary anyway
    for condition in order:
        phase = _Totals()
        await _phase(views, cameras, analysed, phase_s, condition == "with", phase)
        _add(totals[condition], phase)
        per_camera = max(phase.wall_s, 1e-9) * len(cameras)
        each.append([round(phase.analysed / per_camera, 2), round(phase.cpu_s / per_camera, 3)])
    result: dict[str, Any] = {
        "phase_s": phase_s,
        "phases_each": phases,
        "order": order,
        "fps_cpu_per_phase": each,
    }
    for condition, total in totals.items():
        per_camera = max(total.wall_s, 1e-9) * len(cameras)
        result[condition] = {
            "analyzed_fps_per_camera": round(total.analysed / per_camera, 2),
            "cpu_per_camera": round(total.cpu_s / per_camera, 3),
            "previews_per_s_per_camera": round(total.previews / per_camera, 2),
        }
    watched = totals["with"]
    result["preview_kb"] = (
        round(watched.preview_bytes / watched.previews / 1024, 1) if watched.previews else None
    )
    result["encode_cpu_ms_per_preview"] = (
        round(watched.encode_cpu_s / watched.encoded * 1000, 2) if watched.encoded else None
    )
    result["encoded_without_viewer"] = totals["without"].encoded
    without, with_ = result["without"], result["with"]
    result["fps_change_pct"] = _change(
        without["analyzed_fps_per_camera"], with_["analyzed_fps_per_camera"]
    )
    result["cpu_change_pct"] = _change(without["cpu_per_camera"], with_["cpu_per_camera"])
    return result


def _add(total: _Totals, phase: _Totals) -> None:
    for name, value in vars(phase).items():
        setattr(total, name, getattr(total, name) + value)


def _change(before: float, after: float) -> float | None:
    return round((after - before) / before * 100, 1) if before else None
