"""Camera leases: one holder per camera at a time, decided by PostgreSQL alone."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest

from store.camera_leases import CameraReport
from store.cameras import CameraKind
from store.database import Database
from store.errors import InvalidValue

TTL_S = 30.0
SHORT_TTL_S = 0.3
COUNTED_TTL_S = 1.5


async def _cameras(db: Database, count: int) -> list[UUID]:
    created = [
        await db.cameras.create(name=f"cam-{n}", kind=CameraKind.FILE, url=f"/clip-{n}.mkv")
        for n in range(count)
    ]
    return [c.camera.id for c in created]


async def test_a_free_camera_is_claimed_and_its_holder_is_known(db: Database) -> None:
    [camera] = await _cameras(db, 1)
    assert await db.camera_leases.claim("a", [camera], TTL_S) == {camera: 1}
    lease = await db.camera_leases.of_camera(camera)
    assert lease is not None
    assert (lease.holder, lease.generation, lease.live) == ("a", 1, True)
    assert 0 < lease.expires_in_s <= TTL_S


async def test_three_holders_racing_for_the_same_cameras_never_share_one(db: Database) -> None:
    cameras = await _cameras(db, 4)
    for _ in range(20):
        await db.camera_leases.leave("a")
        await db.camera_leases.leave("b")
        await db.camera_leases.leave("c")
        won = await asyncio.gather(
            *(db.camera_leases.claim(holder, cameras, TTL_S) for holder in ("a", "b", "c"))
        )
        # every camera went to exactly one holder, and the database agrees with each winner
        assert sorted(c for held in won for c in held) == sorted(cameras)
        overview = await db.camera_leases.overview()
        for holder, held in zip(("a", "b", "c"), won, strict=True):
            assert overview.held_by(holder) == held.keys()


async def test_a_camera_held_by_a_live_holder_is_not_claimed_by_another(db: Database) -> None:
    [camera] = await _cameras(db, 1)
    await db.camera_leases.claim("a", [camera], TTL_S)
    assert await db.camera_leases.claim("b", [camera], TTL_S) == {}
    assert await db.camera_leases.renew("b", [CameraReport(camera, "live")], TTL_S) == set()
    lease = await db.camera_leases.of_camera(camera)
    assert lease is not None and lease.holder == "a"


async def test_an_expired_lease_is_handed_to_the_next_claimant_and_lost_by_its_holder(
    db: Database,
) -> None:
    [camera] = await _cameras(db, 1)
    await db.camera_leases.claim("a", [camera], SHORT_TTL_S)
    await asyncio.sleep(SHORT_TTL_S + 0.2)
    assert (await db.camera_leases.overview()).free() == [camera]
    assert (await db.camera_leases.claim("b", [camera], TTL_S)).keys() == {camera}
    assert await db.camera_leases.renew("a", [CameraReport(camera, "live")], TTL_S) == set()
    lease = await db.camera_leases.of_camera(camera)
    assert lease is not None
    assert (lease.holder, lease.generation) == ("b", 2)


async def test_renewing_keeps_the_lease_and_publishes_the_holders_report(db: Database) -> None:
    [camera] = await _cameras(db, 1)
    await db.camera_leases.claim("a", [camera], SHORT_TTL_S)
    report = CameraReport(camera, "live", None, 4.5, 120, 3, 0.1)
    # renewed for longer than the first lease: only the renewals keep b out after it, and
    # no late wake-up on a busy machine lets b in between two renewals
    for _ in range(3):
        await asyncio.sleep(SHORT_TTL_S / 2)
        assert await db.camera_leases.renew("a", [report], TTL_S) == {camera}
    assert await db.camera_leases.claim("b", [camera], TTL_S) == {}
    lease = await db.camera_leases.of_camera(camera)
    assert lease is not None
    assert lease.report == report
    assert lease.generation == 1


async def test_a_released_camera_is_free_at_once(db: Database) -> None:
    first, second = await _cameras(db, 2)
    await db.camera_leases.claim("a", [first, second], TTL_S)
    assert await db.camera_leases.release("b", [first]) == 0  # not b's to give
    assert await db.camera_leases.release("a", [first]) == 1
    overview = await db.camera_leases.overview()
    assert overview.free() == [first]
    assert overview.held_by("a") == {second}
    assert (await db.camera_leases.claim("b", [first], TTL_S)).keys() == {first}


async def test_taking_over_moves_a_live_lease_and_its_holder_loses_it_at_renewal(
    db: Database,
) -> None:
    [camera] = await _cameras(db, 1)
    await db.camera_leases.claim("a", [camera], TTL_S)
    await db.camera_leases.renew("a", [CameraReport(camera, "live")], TTL_S)
    assert await db.camera_leases.take_over("b", camera, TTL_S)
    lease = await db.camera_leases.of_camera(camera)
    assert lease is not None
    assert (lease.holder, lease.generation, lease.report) == ("b", 2, None)
    assert await db.camera_leases.renew("a", [CameraReport(camera, "live")], TTL_S) == set()


async def test_disabled_or_deleted_cameras_are_never_leased_and_their_leases_go(
    db: Database,
) -> None:
    kept, disabled, deleted = await _cameras(db, 3)
    await db.camera_leases.claim("a", [kept, deleted], TTL_S)
    await db.cameras.set_enabled(disabled, False)
    assert await db.camera_leases.claim("a", [disabled], TTL_S) == {}
    assert not await db.camera_leases.take_over("a", disabled, TTL_S)
    await db.cameras.delete(deleted)
    assert await db.camera_leases.of_camera(deleted) is None
    assert (await db.camera_leases.overview()).cameras.keys() == {kept}


async def test_the_fair_share_counts_the_live_instances(db: Database) -> None:
    await _cameras(db, 5)
    await db.camera_leases.renew("a", [], TTL_S)
    assert (await db.camera_leases.overview()).share() == 5
    await db.camera_leases.renew("b", [], TTL_S)
    assert (await db.camera_leases.overview()).share() == 3
    await db.camera_leases.renew("c", [], COUNTED_TTL_S)  # long enough to be counted once
    assert (await db.camera_leases.overview()).instances == 3
    await asyncio.sleep(COUNTED_TTL_S + 0.2)  # c stopped renewing: no longer counted
    assert (await db.camera_leases.overview()).instances == 2


async def test_the_live_instances_addresses_are_known_to_all_and_go_with_them(
    db: Database,
) -> None:
    await db.camera_leases.renew("a", [], TTL_S, address="http://10.0.0.1:8080")
    await db.camera_leases.renew("b", [], TTL_S)  # advertises none
    await db.camera_leases.renew("c", [], COUNTED_TTL_S, address="http://10.0.0.3:8080")
    assert (await db.camera_leases.overview()).addresses == {
        "a": "http://10.0.0.1:8080",
        "c": "http://10.0.0.3:8080",
    }
    await db.camera_leases.renew("a", [], TTL_S, address="http://10.0.0.9:8080")  # moved
    await asyncio.sleep(COUNTED_TTL_S + 0.2)  # c stopped renewing
    assert (await db.camera_leases.overview()).addresses == {"a": "http://10.0.0.9:8080"}
    with pytest.raises(InvalidValue):
        await db.camera_leases.renew("a", [], TTL_S, address="")


async def test_leaving_releases_every_lease_and_stops_counting_the_holder(db: Database) -> None:
    cameras = await _cameras(db, 3)
    await db.camera_leases.renew("a", [], TTL_S)
    await db.camera_leases.claim("a", cameras, TTL_S)
    assert await db.camera_leases.leave("a") == 3
    overview = await db.camera_leases.overview()
    assert (overview.instances, sorted(overview.free())) == (0, sorted(cameras))


@pytest.mark.parametrize(("holder", "ttl_s"), [("", TTL_S), ("x" * 201, TTL_S), ("a", 0.0)])
async def test_a_blank_holder_or_a_lease_of_no_time_is_refused(
    db: Database, holder: str, ttl_s: float
) -> None:
    with pytest.raises(InvalidValue):
        await db.camera_leases.claim(holder, [], ttl_s)


async def test_the_instances_under_their_share_are_counted_those_holding_none_included(
    db: Database,
) -> None:
    cameras = await _cameras(db, 4)
    for holder in ("a", "b", "c"):
        await db.camera_leases.renew(holder, [], TTL_S)
    await db.camera_leases.claim("a", cameras[:3], TTL_S)
    overview = await db.camera_leases.overview()
    assert (overview.share(), overview.under_share()) == (2, 2)  # b and c
    await db.camera_leases.claim("b", cameras[3:], TTL_S)
    assert (await db.camera_leases.overview()).under_share() == 2  # b has 1 of 2, c none
