"""The limits of /ws against clients that abuse it, many at once: each is told which limit it
broke and closed (1008), its subscription ends with it, and once every abuser has gone the
hub counts nobody, `rollcall_websocket_clients` and /health say 0, and the memory they cost
is given back. The memory one abusive connection costs at its peak is measured here
(tracemalloc, in the server's process; the clients are bare sockets whose unread bytes wait in
the kernel) and must stay under the outbox's byte cap. Also the two WebSocket findings of the
hostile review: re-subscribing left phantom subscriptions behind, and re-subscribing to a big
class without reading cost hundreds of megabytes.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import tracemalloc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiohttp.test_utils import TestClient

from store.database import Database
from store.sessions import SessionStatus
from tests.web.conftest import SignedIn
from tests.web.raw_websocket import Ending, RawWebSocket
from web.api.websocket import (
    MESSAGES_BURST,
    OPEN_SOCKETS,
    OUTBOX_BYTES,
    SUBSCRIBES_BURST,
    build_snapshot,
    track_websockets,
)
from web.app import build_app
from web.http.services import Services
from web.live.messages import UnknownFaceMessage

ROSTER = 40  # students in each class: a snapshot of some kilobytes
FLOODERS = 20  # send far more messages than the burst allows, in one write
RESUBSCRIBERS = 20  # switch between two classes far more often than allowed
NEVER_READERS = 10  # subscribe, then read nothing while the class's events pour in
READ_TIMEOUT_S = 15.0
WAIT_S = 20.0
POLL_S = 0.02


@dataclass(frozen=True)
class Classes:
    first: UUID
    second: UUID


async def _class_session(db: Database, code: str) -> UUID:
    now = datetime.now(UTC)
    course = await db.courses.create(code=code, name=f"Course {code}")
    people = [
        await db.people.create(external_id=f"{code}-{n}", display_name=f"Student {code} {n}")
        for n in range(ROSTER)
    ]
    await db.courses.enrol(course.id, [person.id for person in people])
    room = await db.rooms.create(f"Room {code}")
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now - timedelta(minutes=5),
        scheduled_end=now + timedelta(hours=1),
    )
    await db.sessions.set_status(session.id, SessionStatus.OPEN)
    return session.id


@pytest.fixture
async def classes(db: Database) -> Classes:
    return Classes(await _class_session(db, "A"), await _class_session(db, "B"))


@pytest.fixture
async def live_api(aiohttp_client: Any, live_services: Services) -> TestClient:
    app = build_app(live_services)
    track_websockets(app)  # as the composition root does: the open sockets are counted
    return await aiohttp_client(app)


@pytest.fixture
async def traced() -> AsyncIterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Poll: the server notices a client's end a moment after the client."""
    for _ in range(int(WAIT_S / POLL_S)):
        if condition():
            return
        await asyncio.sleep(POLL_S)
    assert condition(), what


def _subscribe(session_id: UUID) -> str:
    return json.dumps({"type": "subscribe", "session_id": str(session_id)})


def _told(ending: Ending) -> list[dict[str, Any]]:
    """The messages that say why the server closed: an `error` or `overflow`."""
    messages = [json.loads(text) for text in ending.messages]
    return [m for m in messages if m["type"] in ("error", "overflow")]


async def test_fifty_abusive_clients_are_each_told_closed_and_leave_nothing_behind(
    live_api: TestClient,
    live_services: Services,
    teacher: SignedIn,
    classes: Classes,
    traced: None,
) -> None:
    live = live_services.live
    assert live is not None
    gauge = "rollcall_websocket_clients"
    host, port = "127.0.0.1", live_api.port
    open_sockets = live_api.server.app[OPEN_SOCKETS]

    async def connect() -> RawWebSocket:
        return await RawWebSocket.connect(host, port, "/ws", teacher.token)

    # Well-behaved boards first, as many at once as the database pool has connections:
    # whatever they allocate for good (prepared statements of each pool connection, caches)
    # is in the baseline, not charged to the abusers.
    async def board() -> None:
        client = await connect()
        for session_id in (classes.first, classes.second):
            await client.send(_subscribe(session_id))
            assert json.loads(await client.next_text(READ_TIMEOUT_S))["type"] == "snapshot"
        client.close()

    await asyncio.gather(*(board() for _ in range(live_services.settings.store.pool_max_size)))
    await _until(lambda: not open_sockets, "the boards' handlers ended")
    gc.collect()
    baseline, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()

    never_readers = [await connect() for _ in range(NEVER_READERS)]
    for client in never_readers:
        await client.send(_subscribe(classes.first))
    await _until(lambda: live.hub.clients == NEVER_READERS, "every never-reader subscribed")
    # Published in one go, as a busy class's events would arrive while nobody reads them:
    # more than a subscription may hold.
    camera_id = uuid4()
    for n in range(300):
        await live.hub.publish(
            UnknownFaceMessage(session_id=classes.first, camera_id=camera_id, count=n)
        )
    flooders = [await connect() for _ in range(FLOODERS)]
    resubscribers = [await connect() for _ in range(RESUBSCRIBERS)]
    pings = [json.dumps({"type": "ping"})] * (MESSAGES_BURST * 4)
    switches = [_subscribe(classes.first), _subscribe(classes.second)] * (SUBSCRIBES_BURST * 2)
    await asyncio.gather(
        *(client.send(*pings) for client in flooders),
        *(client.send(*switches) for client in resubscribers),
    )
    everyone = never_readers + flooders + resubscribers
    assert len(everyone) == 50
    # Nobody has read a byte yet: every abuser's subscription is already over.
    await _until(lambda: live.hub.clients == 0, "the hub let go of every abuser")
    _, peak = tracemalloc.get_traced_memory()

    endings = await asyncio.gather(*(c.read_to_the_end(READ_TIMEOUT_S) for c in everyone))
    for client in everyone:
        client.close()

    told = [_told(ending) for ending in endings]
    assert all(ending.close_code == 1008 for ending in endings), [e.close_code for e in endings]
    assert told[:NEVER_READERS] == [[{"type": "overflow"}]] * NEVER_READERS
    for said in told[NEVER_READERS:]:
        assert [message["code"] for message in said] == ["rate_limited"], said
    await _until(lambda: not open_sockets, "every handler ended")
    assert live.hub.clients == 0
    assert live_services.metrics.registry.get_sample_value(gauge) == 0.0
    health = await live_api.get("/health")
    assert (await health.json())["live"]["websocket_clients"] == 0

    per_connection = (peak - baseline) / len(everyone)
    del endings, told, everyone, never_readers, flooders, resubscribers  # what the test read
    gc.collect()
    left, _ = tracemalloc.get_traced_memory()
    print(
        f"memory per abusive connection at the peak: {per_connection / 1024:.0f} KiB "
        f"(bound: the outbox's {OUTBOX_BYTES // 2**20} MiB); "
        f"left after all gone: {(left - baseline) / 1024:.0f} KiB"
    )
    assert per_connection < OUTBOX_BYTES
    # given back: what stays (buffers of connections the kernel has not reported closed yet)
    # is a small part of what the abusers held at the peak
    assert left - baseline < (peak - baseline) / 4


async def test_a_connection_holds_one_subscription_however_often_it_subscribes(
    live_api: TestClient, live_services: Services, teacher: SignedIn, classes: Classes
) -> None:
    live = live_services.live
    assert live is not None
    open_sockets = live_api.server.app[OPEN_SOCKETS]
    client = await RawWebSocket.connect("127.0.0.1", live_api.port, "/ws", teacher.token)
    targets = [classes.first, classes.second] * SUBSCRIBES_BURST
    await client.send(*(_subscribe(session_id) for session_id in targets[:SUBSCRIBES_BURST]))
    snapshots = [
        json.loads(await client.next_text(READ_TIMEOUT_S)) for _ in range(SUBSCRIBES_BURST)
    ]
    assert {snapshot["type"] for snapshot in snapshots} == {"snapshot"}
    # each subscribe replaced the one before: the hub holds one subscription, the last one
    assert live.hub.clients == 1
    client.close()
    await _until(lambda: not open_sockets, "the handler ended")
    assert live.hub.clients == 0
    assert live_services.metrics.registry.get_sample_value("rollcall_websocket_clients") == 0.0


BIG_CLASS = 5000
REFUSED = "closing a websocket client that broke a limit"


async def test_a_client_that_never_reads_re_subscribing_to_a_big_class_costs_bounded_memory(
    live_api: TestClient,
    live_services: Services,
    teacher: SignedIn,
    db: Database,
    traced: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="web.api.websocket")
    live = live_services.live
    assert live is not None
    now = datetime.now(UTC)
    course = await db.courses.create(code="BIG", name="Lecture")
    people = await db.people.import_many([(f"s-{n}", f"Student {n}") for n in range(BIG_CLASS)])
    await db.courses.enrol(course.id, list(people))
    room = await db.rooms.create("Hall")
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now,
        scheduled_end=now + timedelta(hours=1),
    )
    # What building and serialising one snapshot of the class costs at its peak (this also
    # warms the caches the abuser would otherwise be charged for).
    gc.collect()
    before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    snapshot_bytes = len((await build_snapshot(live_services, session.id)).json_text)
    _, one_build = tracemalloc.get_traced_memory()
    one_build -= before
    gc.collect()
    baseline, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()

    client = await RawWebSocket.connect("127.0.0.1", live_api.port, "/ws", teacher.token)
    await client.send(*[_subscribe(session.id)] * 150)
    await _until(
        lambda: any(r.getMessage() == REFUSED for r in caplog.records), "the abuser was refused"
    )
    await _until(lambda: live.hub.clients == 0, "its subscription ended")
    _, peak = tracemalloc.get_traced_memory()
    ending = await client.read_to_the_end(READ_TIMEOUT_S)
    client.close()

    print(
        f"150 subscribes to a class of {BIG_CLASS:,} (snapshot {snapshot_bytes / 2**20:.1f} MiB,"
        f" {one_build / 2**20:.1f} MiB to build): {(peak - baseline) / 2**20:.1f} MiB at the peak"
    )
    assert [message["code"] for message in _told(ending)] == ["rate_limited"]
    assert ending.close_code == 1008
    # one snapshot built at a time, and what waits for the client bounded by the outbox
    assert peak - baseline < one_build + OUTBOX_BYTES
