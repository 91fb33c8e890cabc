"""Camera ownership between processes: every camera runs in exactly one, shared out fairly,
moved when its process dies or leaves, pinned where its browser connects.

Each "process" here is the real camera part of one (a streamer supervisor, the camera sync and
the ownership) on the same real PostgreSQL; browser cameras run without peers, so nothing is
decoded. A process that died is a holder that stops renewing its leases.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from pydantic import ValidationError

from store.camera_leases import CameraReport
from store.cameras import CameraKind
from store.database import Database
from store.events import EventKind
from streamer.errors import NotABrowserCamera, UnknownCamera
from streamer.supervisor import Supervisor
from streamer.webrtc.loopback import loopback_candidates_only
from tests.web.conftest import running_live
from tests.web.e2e.clip_peer import ClipPeer
from tests.web.live.conftest import until
from web.demo.scene import write_scene
from web.http.config import ServiceConfig
from web.http.services import Services
from web.live.camera_ownership import CameraOwnership
from web.live.camera_sync import CameraSync
from web.telemetry.metrics import Metrics

TTL_S = 1.5
RENEW_S = 0.4
WAIT_S = 20.0
DEAD_TTL_S = 4.0


@dataclass
class Replica:
    supervisor: Supervisor
    cameras: CameraSync
    ownership: CameraOwnership

    def running(self) -> set[UUID]:
        return {status.camera_id for status in self.supervisor.statuses()}


@asynccontextmanager
async def replica(db: Database, name: str, told_s: float = 0.0) -> AsyncIterator[Replica]:
    """`told_s`: how long the rest of the runtime takes to take in each camera started or
    stopped (a slow database under the session contexts)."""

    async def changed(camera_id: UUID, camera: object) -> None:
        await asyncio.sleep(told_s)

    async with Supervisor() as supervisor:
        cameras = CameraSync(db, supervisor, changed)

        def report(camera_id: UUID) -> CameraReport:
            try:
                return CameraReport(camera_id, supervisor.status(camera_id).state.value)
            except UnknownCamera:
                return CameraReport(camera_id, "stopped")

        ownership = CameraOwnership(
            db.camera_leases,
            cameras,
            report,
            Metrics(),
            ttl_s=TTL_S,
            renew_s=RENEW_S,
            holder=name,
        )
        await cameras.load()
        async with ownership:
            yield Replica(supervisor, cameras, ownership)


async def _browser_cameras(db: Database, count: int) -> list[UUID]:
    return [
        (await db.cameras.create(name=f"laptop-{n}", kind=CameraKind.WEBRTC)).camera.id
        for n in range(count)
    ]


def _apart(*replicas: Replica) -> bool:
    """No camera runs in two replicas."""
    seen = [c for r in replicas for c in r.running()]
    return len(seen) == len(set(seen))


async def test_a_single_process_runs_every_enabled_camera_from_its_start(db: Database) -> None:
    cameras = await _browser_cameras(db, 3)
    disabled = (await db.cameras.create(name="off", kind=CameraKind.WEBRTC, enabled=False)).camera
    async with replica(db, "a") as a:
        assert a.running() == set(cameras)  # no tick waited for
        assert disabled.id not in a.running()
        added = (await db.cameras.create(name="new", kind=CameraKind.WEBRTC)).camera.id
        await a.cameras.refresh(added)  # as the change feed would tell it
        a.ownership.wake()
        await until(lambda: added in a.running(), WAIT_S)


async def test_a_second_process_takes_its_fair_share_and_no_camera_runs_twice(
    db: Database,
) -> None:
    cameras = await _browser_cameras(db, 5)
    async with replica(db, "a") as a:
        async with replica(db, "b") as b:
            await until(lambda: len(a.running()) == 3 and len(b.running()) == 2, WAIT_S)
            assert _apart(a, b)
            assert a.running() | b.running() == set(cameras)
            overview = await db.camera_leases.overview()
            assert (overview.held_by("a"), overview.held_by("b")) == (a.running(), b.running())
        # b left gracefully: its leases are gone at once rather than left to expire (which a
        # wait for a's takeover alone could not tell apart), and a takes the cameras
        leases = [await db.camera_leases.of_camera(camera) for camera in cameras]
        assert all(lease is None or lease.holder != "b" for lease in leases)
        await until(lambda: a.running() == set(cameras), WAIT_S)


async def test_the_cameras_of_a_process_that_stopped_renewing_move_once_its_leases_expire(
    db: Database,
) -> None:
    cameras = await _browser_cameras(db, 4)
    # leased long enough to outlast starting a and b on a busy machine
    await db.camera_leases.renew("dead", [], DEAD_TTL_S)
    claimed = await db.camera_leases.claim("dead", cameras[:2], DEAD_TTL_S)
    assert claimed.keys() == set(cameras[:2])
    async with replica(db, "a") as a, replica(db, "b") as b:
        assert a.running() | b.running() == set(cameras[2:])  # the dead one's are leased
        await until(lambda: a.running() | b.running() == set(cameras), DEAD_TTL_S + WAIT_S)
        assert _apart(a, b)
        await until(lambda: len(a.running()) == len(b.running()) == 2, WAIT_S)


async def test_a_process_slow_to_take_in_its_cameras_renews_on_and_no_camera_runs_twice(
    db: Database,
) -> None:
    async with replica(db, "slow", told_s=2 * TTL_S) as slow:
        cameras = await _browser_cameras(db, 3)
        for camera in cameras:
            await slow.cameras.refresh(camera)  # as the change feed would tell it
        slow.ownership.wake()  # claims all three, then spends 3 s per camera being told
        await until(lambda: len(slow.running()) > 0, WAIT_S)
        async with replica(db, "b") as b:
            # several leases long: a tick that overran them would let b run slow's cameras
            loop = asyncio.get_running_loop()
            until_s = loop.time() + 4 * TTL_S
            while loop.time() < until_s:
                assert _apart(slow, b)
                await asyncio.sleep(0.05)
            assert slow.running() | b.running() == set(cameras)


async def test_a_browser_camera_is_taken_over_where_its_peer_connects_and_stops_elsewhere(
    db: Database,
) -> None:
    [camera] = await _browser_cameras(db, 1)
    async with replica(db, "a") as a, replica(db, "b") as b:
        assert a.running() == {camera}
        assert await b.ownership.take_over(camera)
        assert camera in b.running()
        await until(lambda: camera not in a.running(), WAIT_S)  # a's next renewal
        ticks = b.ownership.ticks
        await until(lambda: b.ownership.ticks >= ticks + 3, WAIT_S)
        assert (a.running(), b.running()) == (set(), {camera})  # b stays over nothing


async def test_a_browser_back_at_the_process_that_ran_its_camera_takes_the_camera_back(
    db: Database,
) -> None:
    [camera] = await _browser_cameras(db, 1)
    async with replica(db, "a") as a, replica(db, "b") as b:
        assert await b.ownership.take_over(camera)
        # before a's next renewal tells it the camera moved, the browser reaches a again
        assert await a.ownership.take_over(camera)
        lease = await db.camera_leases.of_camera(camera)
        assert lease is not None and lease.holder == "a"
        await until(lambda: camera not in b.running(), WAIT_S)
        assert camera in a.running()


async def test_browser_cameras_just_taken_over_stay_while_their_browsers_connect(
    db: Database,
) -> None:
    cameras = await _browser_cameras(db, 2)
    async with replica(db, "a") as a, replica(db, "b") as b:
        for camera in cameras:
            assert await b.ownership.take_over(camera)
        ticks = b.ownership.ticks
        await until(lambda: b.ownership.ticks >= ticks + 3, WAIT_S)
        # over its share of one, b still gives neither back: their browsers reached it
        assert (a.running(), b.running()) == (set(), set(cameras))


async def test_balancing_never_moves_a_browser_camera_while_its_peer_streams(
    db: Database, tmp_path: Path
) -> None:
    clip = write_scene(tmp_path / "laptop.mkv", [], (320, 240), 10, seconds=20.0)
    cameras = await _browser_cameras(db, 2)
    streamed = max(cameras)  # the one a process over its share would give back first
    with loopback_candidates_only():
        async with replica(db, "a") as a:
            peer = ClipPeer(clip)
            try:
                answer = await a.supervisor.answer_offer(streamed, await peer.offer())
                await peer.accept_answer(answer)
                await until(lambda: a.supervisor.status(streamed).state.value == "live")
                async with replica(db, "b") as b:
                    await until(lambda: len(b.running()) == 1, WAIT_S)
                    assert (a.running(), b.running()) == ({streamed}, set(cameras) - {streamed})
            finally:
                await peer.close()


async def test_a_disabled_camera_stops_and_its_lease_is_given_back(db: Database) -> None:
    kept, disabled = await _browser_cameras(db, 2)
    async with replica(db, "a") as a:
        await db.cameras.set_enabled(disabled, False)
        await a.cameras.refresh(disabled)
        assert a.running() == {kept}
        await until(lambda: disabled not in a.cameras.held(), WAIT_S)
        assert await db.camera_leases.of_camera(disabled) is None


async def test_taking_over_a_disabled_or_unknown_camera_is_refused(db: Database) -> None:
    off = (await db.cameras.create(name="off", kind=CameraKind.WEBRTC, enabled=False)).camera
    async with replica(db, "a") as a:
        assert not await a.ownership.take_over(UUID(int=1))
        assert not await a.ownership.take_over(off.id)
        assert a.running() == set()


async def test_a_live_runtime_reports_a_camera_another_process_runs_and_who_runs_it(
    services: Services, db: Database
) -> None:
    [camera] = await _browser_cameras(db, 1)
    await db.camera_leases.renew("elsewhere", [], 60.0)
    await db.camera_leases.claim("elsewhere", [camera], 60.0)
    await db.camera_leases.renew("elsewhere", [CameraReport(camera, "live", None, 5.0, 99)], 60.0)
    async with running_live(services) as live:
        assert live.local_camera_statuses() == []
        [status] = live.camera_statuses()
        assert status == live.camera_status(camera)
        assert (status.camera_id, status.holder) == (camera, "elsewhere")
        assert (status.state, status.analysis_fps, status.frames_received) == ("live", 5.0, 99)
        # the holder announces a change of state on the change feed: every process hears it
        await db.events.publish(
            EventKind.CAMERA_STATUS, {"camera_id": str(camera), "state": "failed", "error": "x"}
        )
        await until(lambda: live.camera_status(camera).state == "failed", WAIT_S)
        # a new holder: what the previous one announced no longer describes the camera
        assert await db.camera_leases.take_over("next", camera, 60.0)
        await until(lambda: live.camera_status(camera).holder == "next", WAIT_S)
        assert live.camera_status(camera).state == "connecting"


async def test_a_browsers_offer_to_a_process_not_running_its_camera_moves_the_camera_there(
    services: Services, db: Database, tmp_path: Path
) -> None:
    clip = write_scene(tmp_path / "laptop.mkv", [], (320, 240), 10, seconds=10.0)
    [camera] = await _browser_cameras(db, 1)
    recording = await db.cameras.create(name="rec", kind=CameraKind.FILE, url=str(clip))
    await db.camera_leases.renew("elsewhere", [], 60.0)
    await db.camera_leases.claim("elsewhere", [camera, recording.camera.id], 60.0)
    with loopback_candidates_only():
        async with running_live(services) as live:
            assert live.local_camera_statuses() == []
            with pytest.raises(NotABrowserCamera):
                await live.answer_offer(recording.camera.id, "v=0")
            peer = ClipPeer(clip)
            try:
                await peer.accept_answer(await live.answer_offer(camera, await peer.offer()))
                lease = await db.camera_leases.of_camera(camera)
                assert lease is not None and lease.holder == live.holder
                await until(lambda: live.camera_status(camera).state == "live")
                assert live.camera_status(camera).holder == live.holder
                # the previous holder learns at its next renewal that it lost the camera
                report = CameraReport(camera, "connecting")
                assert await db.camera_leases.renew("elsewhere", [report], 60.0) == set()
            finally:
                await peer.close()


@pytest.mark.parametrize(("ttl_s", "renew_s"), [(4.0, 2.0), (1.0, 2.0)])
def test_a_lease_must_outlast_two_renewals(ttl_s: float, renew_s: float) -> None:
    with pytest.raises(ValidationError, match="twice"):
        ServiceConfig(camera_lease_ttl_s=ttl_s, camera_lease_renew_s=renew_s)
