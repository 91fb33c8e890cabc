"""A camera's live view: small JPEGs of the analysed frames with their named face boxes,
streamed from the process that runs the camera, made only while someone watches."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import cv2
import numpy as np
from aiohttp.test_utils import TestClient

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from store.cameras import CameraKind
from store.database import Database
from tests.web.conftest import SignedIn, running_live
from tests.web.e2e.service import free_port
from tests.web.live.conftest import SEATS, WAIT_S, Cast, seed_classroom, until
from web.app import build_app
from web.http.services import Services
from web.settings import Settings
from web.telemetry.metrics import Metrics

Preview = dict[str, Any]
ANN = "Ann Veneman"


async def read_previews(
    response: aiohttp.ClientResponse,
    done: Callable[[list[Preview]], bool],
    timeout_s: float = WAIT_S,
) -> list[Preview]:
    """The stream's previews until `done(previews)` holds (blank keep-alive lines skipped)."""
    previews: list[Preview] = []
    pending = b""
    try:
        async with asyncio.timeout(timeout_s):
            while not done(previews):
                chunk = await response.content.readany()
                assert chunk, f"the stream ended after {len(previews)} previews"
                *lines, pending = (pending + chunk).split(b"\n")
                previews += [json.loads(line) for line in lines if line.strip()]
    except TimeoutError:
        raise AssertionError(f"not reached in {timeout_s} s: {len(previews)} previews") from None
    return previews


def picture(preview: Preview) -> np.ndarray:
    data = np.frombuffer(base64.b64decode(preview["jpeg"]), np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    assert image is not None, "a preview is a JPEG"
    return image


def named(preview: Preview, label: str) -> list[dict[str, Any]]:
    return [box for box in preview["boxes"] if box["label"] == label]


def counter(metrics: Metrics, name: str) -> float:
    return sum(
        sample.value
        for metric in metrics.registry.collect()
        for sample in metric.samples
        if sample.name == name
    )


def analysed(services: Services) -> float:
    return counter(services.metrics, "rollcall_frames_analyzed_total")


async def test_a_viewer_gets_small_jpegs_of_the_clip_with_named_boxes_and_none_are_made_unwatched(
    db: Database,
    analyzer: FaceAnalyzer,
    cast: Cast,
    services: Services,
    api: TestClient,
    admin: SignedIn,
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    url = f"/api/cameras/{room.camera.id}/live"
    async with running_live(services) as live:
        # faces found again and again with nobody watching: not one preview is made
        await until(lambda: counter(services.metrics, "rollcall_faces_detected_total") >= 20)
        assert live.views.encoded == 0
        async with api.get(url, headers=admin.headers) as response:
            assert response.status == 200
            assert response.content_type == "application/x-ndjson"
            assert response.headers["Cache-Control"] == "no-store"
            previews = await read_previews(response, lambda ps: bool(ps and named(ps[-1], ANN)))
        # the viewer left: previews stop while the analysis goes on
        await until(lambda: live.views.viewers(room.camera.id) == 0)
        await asyncio.sleep(1.0)  # an encode begun just before the viewer left may still end
        made, frames = live.views.encoded, analysed(services)
        await until(lambda: analysed(services) >= frames + 10)
        assert live.views.encoded == made

    assert all(p["type"] == "preview" and p["camera_id"] == str(room.camera.id) for p in previews)
    for preview in previews:
        image = picture(preview)
        assert (image.shape[1], image.shape[0]) == (preview["width"], preview["height"])
        assert preview["width"] <= 640
    last = previews[-1]
    # the box named Ann is where the clip seats her (fractions of the frame), in JPEG pixels
    [box] = named(last, ANN)
    x1, y1, x2, y2 = box["bbox"]
    (start_x, start_y), (end_x, end_y) = SEATS["Ann_Veneman"]
    centre = ((x1 + x2) / 2 / last["width"], (y1 + y2) / 2 / last["height"])
    assert min(start_x, end_x) - 0.08 <= centre[0] <= max(start_x, end_x) + 0.08
    assert min(start_y, end_y) - 0.15 <= centre[1] <= max(start_y, end_y) + 0.08
    assert box["state"] == "identified"
    # the boxes' states are what the camera page draws: a name, or unknown / checking
    states = {b["state"] for p in previews for b in p["boxes"]}
    assert states <= {"identified", "other_course", "unknown", "voting", "low_quality"}


async def test_a_teacher_watches_only_a_camera_whose_room_has_an_open_session(
    db: Database,
    analyzer: FaceAnalyzer,
    cast: Cast,
    services: Services,
    api: TestClient,
    admin: SignedIn,
    teacher: SignedIn,
    tmp_path: Path,
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    lab = await db.rooms.create("Lab 2")  # no session there
    elsewhere = (
        await db.cameras.create(
            name="lab", kind=CameraKind.FILE, url=str(tmp_path / "none.mp4"), room_id=lab.id
        )
    ).camera
    async with running_live(services):
        refused = await api.get(f"/api/cameras/{elsewhere.id}/live", headers=teacher.headers)
        assert refused.status == 403
        assert (await refused.json())["error"]["code"] == "forbidden"
        anonymous = await api.get(f"/api/cameras/{room.camera.id}/live")
        assert anonymous.status == 401
        missing = await api.get(f"/api/cameras/{UUID(int=7)}/live", headers=admin.headers)
        assert missing.status == 404
        async with api.get(f"/api/cameras/{elsewhere.id}/live", headers=admin.headers) as seen:
            assert seen.status == 200  # an admin watches any camera (this one has no frames)
        async with api.get(f"/api/cameras/{room.camera.id}/live", headers=teacher.headers) as ok:
            assert ok.status == 200
            assert await read_previews(ok, bool)


@dataclasses.dataclass
class Replica:
    services: Services
    url: str


def _replica_settings(settings: Settings, folder: Path, port: int, advertise: bool) -> Settings:
    store = settings.store.model_copy(update={"data_dir": folder})
    service = settings.service.model_copy(
        update={"advertise_url": f"http://127.0.0.1:{port}" if advertise else None}
    )
    return settings.model_copy(update={"store": store, "service": service})


@asynccontextmanager
async def two_replicas(
    services: Services, aiohttp_server: Any, tmp_path: Path, *, advertise: bool
) -> AsyncIterator[tuple[Replica, Replica]]:
    """Two live runtimes on one database, each serving the app on its own port: the first
    started holds the classroom's one camera."""
    replicas = []
    for name in ("a", "b"):
        port = free_port()
        own = dataclasses.replace(
            services,
            settings=_replica_settings(services.settings, tmp_path / name, port, advertise),
            gallery=Gallery(services.settings.recognizer, services.analyzer.embedding_dim),
            metrics=Metrics(),
            live=None,
        )
        await aiohttp_server(build_app(own), host="127.0.0.1", port=port)
        replicas.append(Replica(own, f"http://127.0.0.1:{port}"))
    first, second = replicas
    async with running_live(first.services) as a, running_live(second.services) as b:
        [status] = b.camera_statuses()
        assert status.holder == a.holder, "the first replica started holds the camera"
        yield first, second


async def test_a_view_asked_of_another_replica_is_relayed_from_the_one_running_the_camera(
    db: Database,
    analyzer: FaceAnalyzer,
    cast: Cast,
    services: Services,
    aiohttp_server: Any,
    teacher: SignedIn,
    tmp_path: Path,
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    async with (
        two_replicas(services, aiohttp_server, tmp_path, advertise=True) as (holder, other),
        aiohttp.ClientSession() as client,
        client.get(
            f"{other.url}/api/cameras/{room.camera.id}/live", headers=teacher.headers
        ) as response,
    ):
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        previews = await read_previews(response, lambda ps: bool(ps and named(ps[-1], ANN)))
        assert holder.services.live is not None and other.services.live is not None
        assert holder.services.live.views.encoded > 0
        assert other.services.live.views.encoded == 0  # it has no frames: it passes them on
    assert all(p["camera_id"] == str(room.camera.id) for p in previews)
    picture(previews[-1])


async def test_without_an_advertised_address_another_replica_says_where_the_camera_runs(
    db: Database,
    analyzer: FaceAnalyzer,
    cast: Cast,
    services: Services,
    aiohttp_server: Any,
    admin: SignedIn,
    tmp_path: Path,
) -> None:
    room = await seed_classroom(db, cast, analyzer.pack_name)
    async with (
        two_replicas(services, aiohttp_server, tmp_path, advertise=False) as (holder, other),
        aiohttp.ClientSession() as client,
        client.get(
            f"{other.url}/api/cameras/{room.camera.id}/live", headers=admin.headers
        ) as response,
    ):
        assert response.status == 503
        error = (await response.json())["error"]
        assert error["code"] == "camera_unreachable"
        assert holder.services.live is not None
        assert holder.services.live.holder in error["message"]
        assert "ROLLCALL_SERVICE__ADVERTISE_URL" in error["message"]
