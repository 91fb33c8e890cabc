"""How previews are made: only for a watched camera, at most at the preview rate, one encode
in flight per camera, scaled to the preview's width with the boxes, newest first to each
viewer."""

from __future__ import annotations

import base64
from itertools import pairwise
from uuid import uuid4

import cv2
import numpy as np

from web.live.live_views import LiveViews
from web.live.messages import FaceBoxOut

BOX = FaceBoxOut(bbox=(400.0, 200.0, 600.0, 440.0), label="Ada Lovelace", state="identified")


def _frame(width: int = 1280, height: int = 720) -> np.ndarray:
    image = np.zeros((height, width, 3), np.uint8)
    image[:, : width // 2] = (0, 0, 255)  # left half red (BGR), right half black
    return image


async def test_a_wide_frame_becomes_a_640_px_jpeg_with_its_boxes_scaled_alike() -> None:
    views = LiveViews()
    camera = uuid4()
    with views.watch(camera) as viewer:
        views.offer(camera, _frame(), [BOX], captured_at=1_700_000_000.0)
        preview = await viewer.next(10.0)
    await views.close()
    assert preview is not None
    assert (preview.width, preview.height) == (640, 360)
    assert preview.boxes == [BOX.model_copy(update={"bbox": (200.0, 100.0, 300.0, 220.0)})]
    image = cv2.imdecode(np.frombuffer(base64.b64decode(preview.jpeg), np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (360, 640, 3)
    assert image[180, 100, 2] > 200 and image[180, 540].max() < 40  # the same picture, smaller
    assert views.encoded == 1


async def test_nothing_is_wanted_unwatched_and_a_watched_camera_at_most_at_the_preview_rate() -> (
    None
):
    views = LiveViews(fps=2.0)
    camera, other = uuid4(), uuid4()
    assert not views.wants(camera, now=100.0)
    with views.watch(camera) as viewer:
        assert not views.wants(other, now=100.0)  # nobody watches that one
        # the analysis offers every frame it may, at 5 frames a second for 10 seconds
        offered = []
        for frame in range(50):
            now = 100.0 + frame * 0.2
            if views.wants(camera, now):
                views.offer(camera, _frame(160, 120), [], captured_at=now, now=now)
                assert not views.wants(camera, now)  # one encode in flight at a time
                offered.append(now)
                assert await viewer.next(10.0) is not None
        assert views.viewers(camera) == 1
    gaps = [round(b - a, 1) for a, b in pairwise(offered)]
    assert len(offered) == 20  # two a second, not one every third frame (0.6 s)
    assert set(gaps) <= {0.4, 0.6}
    assert views.viewers(camera) == 0
    assert not views.wants(camera, now=1e9)  # the viewer left
    await views.close()


async def test_a_viewer_that_reads_late_gets_the_newest_preview_only() -> None:
    views = LiveViews(fps=1000.0)
    camera = uuid4()
    with views.watch(camera) as slow, views.watch(camera) as quick:
        for seconds in (1.0, 2.0, 3.0):
            views.offer(camera, _frame(320, 240), [], captured_at=seconds)
            assert await quick.next(10.0) is not None  # made and handed out
        newest = await slow.next(1.0)
        assert newest is not None and newest.captured_at.timestamp() == 3.0
        assert await slow.next(0.05) is None  # nothing was kept behind it
    await views.close()


async def test_at_shutdown_open_views_end_and_new_ones_start_ended() -> None:
    views = LiveViews()
    camera = uuid4()
    viewer = views.watch(camera)
    views.end_viewers()
    assert viewer.closed and await viewer.next(5.0) is None
    assert views.watch(camera).closed
    assert not views.wants(camera)
    await views.close()
