"""The live view's cost measurement: phases alternate, only the watched ones get previews,
and each condition is reckoned from its own phases."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from uuid import uuid4

import numpy as np

from web.evaluation.live_view_cost import measure_live_view_cost
from web.live.live_views import LiveViews

FRAME_S = 0.02


async def test_only_the_watched_phases_get_previews_and_each_condition_counts_its_own() -> None:
    views = LiveViews(fps=20.0)
    camera = uuid4()
    frames = itertools.count()
    analysed = 0
    image = np.zeros((90, 160, 3), np.uint8)

    async def analysis() -> None:  # as the analysis loop: a frame now and then, offered if due
        nonlocal analysed
        while True:
            await asyncio.sleep(FRAME_S)
            analysed += 1
            if views.wants(camera):
                views.offer(camera, image, [], captured_at=float(next(frames)))

    running = asyncio.create_task(analysis())
    try:
        result = await measure_live_view_cost(
            views, [camera], lambda: analysed, phase_s=0.5, phases=2
        )
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await views.close()
    assert result["order"] == ["without", "with", "with", "without"]
    assert result["encoded_without_viewer"] == 0
    assert result["without"]["previews_per_s_per_camera"] == 0.0
    assert result["with"]["previews_per_s_per_camera"] > 0
    assert result["preview_kb"] is not None and result["encode_cpu_ms_per_preview"] is not None
    for condition in ("without", "with"):
        assert 0 < result[condition]["analyzed_fps_per_camera"] <= 1 / FRAME_S
    assert len(result["fps_cpu_per_phase"]) == 4
