"""The WebSocket hub: each subscription gets what it asked for, a slow one is cut off."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from web.live.hub import QUEUE_SIZE, EventHub, Subscription
from web.live.messages import (
    CameraStatusMessage,
    FacesMessage,
    LiveMessage,
    OverflowMessage,
    UnknownFaceMessage,
)
from web.telemetry.metrics import Metrics

SESSION, OTHER_SESSION, CAMERA = uuid4(), uuid4(), uuid4()
CAMERA_LIVE = CameraStatusMessage(camera_id=CAMERA, state="live", error=None)


def _unknown_face(count: int) -> UnknownFaceMessage:
    return UnknownFaceMessage(session_id=SESSION, camera_id=CAMERA, count=count)


async def _pending(subscription: Subscription) -> list[LiveMessage]:
    """What the subscription holds right now."""
    messages: list[LiveMessage] = []
    while True:
        try:
            async with asyncio.timeout(0.05):
                messages.append(await anext(subscription))
        except (TimeoutError, StopAsyncIteration):
            return messages


async def test_session_messages_reach_that_session_and_the_overview_only() -> None:
    hub = EventHub()
    board, elsewhere, overview = (
        hub.subscribe(SESSION),
        hub.subscribe(OTHER_SESSION),
        hub.subscribe(None),
    )
    await hub.publish(_unknown_face(1))
    await hub.publish(CAMERA_LIVE)

    assert [m.type for m in await _pending(board)] == ["unknown_face", "camera_status"]
    assert [m.type for m in await _pending(elsewhere)] == ["camera_status"]
    assert [m.type for m in await _pending(overview)] == ["unknown_face", "camera_status"]


async def test_face_boxes_go_only_to_subscriptions_of_their_camera() -> None:
    hub = EventHub()
    board, camera_page = hub.subscribe(SESSION), hub.subscribe(SESSION, camera_id=CAMERA)
    assert hub.wants_faces_of(CAMERA) and not hub.wants_faces_of(uuid4())

    await hub.publish(FacesMessage(camera_id=CAMERA, boxes=[], width=640, height=480))

    assert await _pending(board) == []
    assert [m.type for m in await _pending(camera_page)] == ["faces"]


async def test_a_client_too_slow_to_keep_up_gets_overflow_and_its_stream_ends() -> None:
    metrics = Metrics()
    hub = EventHub(metrics)
    slow = hub.subscribe(None)
    for n in range(QUEUE_SIZE + 1):
        await hub.publish(_unknown_face(n))

    assert await _pending(slow) == [OverflowMessage()]
    assert hub.clients == 0
    assert metrics.websocket_clients._value.get() == 0


async def test_closing_a_subscription_ends_a_waiting_consumer_and_counts_the_client_out() -> None:
    metrics = Metrics()
    hub = EventHub(metrics)
    subscription = hub.subscribe(SESSION)
    assert (hub.clients, metrics.websocket_clients._value.get()) == (1, 1)
    waiting = asyncio.create_task(anext(subscription, None))
    await asyncio.sleep(0)

    subscription.close()

    assert await asyncio.wait_for(waiting, 1.0) is None
    assert (hub.clients, metrics.websocket_clients._value.get()) == (0, 0)
    await hub.publish(CAMERA_LIVE)
    assert await _pending(subscription) == []
