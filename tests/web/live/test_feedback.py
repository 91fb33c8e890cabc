"""Face feedback on a browser camera's data channel: the camera's face boxes reach the page that
opened a "feedback" channel, nothing else of the hub does, and forwarding ends with the channel.
Real aiortc peers on 127.0.0.1 stand in for the browser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from uuid import UUID, uuid4

import pytest
from aiortc import RTCDataChannel

from streamer import CameraSpec, StreamerConfig, Supervisor
from streamer.webrtc.loopback import loopback_candidates_only
from streamer.webrtc.synthetic_peer import SyntheticPeer
from web.live.feedback import FaceFeedback
from web.live.hub import EventHub
from web.live.messages import FaceBoxOut, FacesMessage, SessionMessage

CAMERA = uuid4()


@pytest.fixture
def loopback() -> Iterator[None]:
    with loopback_candidates_only():
        yield


@pytest.fixture
async def supervisor(loopback: None) -> AsyncIterator[Supervisor]:
    async with Supervisor(StreamerConfig(analysis_fps=None)) as supervisor:
        await supervisor.add_camera(CameraSpec(CAMERA))
        yield supervisor


def _faces(camera_id: UUID, label: str) -> FacesMessage:
    box = FaceBoxOut(bbox=(10.0, 20.0, 60.0, 90.0), label=label, state="known")
    return FacesMessage(camera_id=camera_id, boxes=[box], width=640, height=480)


async def _until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if condition():
                return
            await asyncio.sleep(0.05)


async def _connect(
    supervisor: Supervisor, feedback: FaceFeedback, label: str
) -> tuple[SyntheticPeer, RTCDataChannel]:
    peer = SyntheticPeer("VP8", 160, 120, 10)
    channel = peer.connection.createDataChannel(label)
    answer = await supervisor.answer_offer(
        CAMERA, await peer.offer(), on_channel=feedback.channel_opened
    )
    await peer.accept_answer(answer)
    return peer, channel


async def test_the_cameras_face_boxes_reach_its_page_and_nothing_else_of_the_hub_does(
    supervisor: Supervisor,
) -> None:
    hub = EventHub()
    feedback = FaceFeedback(hub, supervisor)
    peer, channel = await _connect(supervisor, feedback, "feedback")
    received: asyncio.Queue[str] = asyncio.Queue()
    channel.on("message", received.put_nowait)
    try:
        await _until(lambda: hub.wants_faces_of(CAMERA))
        await hub.publish(SessionMessage(session_id=uuid4(), change="status", status="open"))
        await hub.publish(_faces(uuid4(), "Someone Elsewhere"))
        await hub.publish(_faces(CAMERA, "Ada Lovelace"))
        async with asyncio.timeout(30):
            first = json.loads(await received.get())
            second = json.loads(await received.get())
        # the page is told the camera is live once the streamer has its frames, whenever
        # that falls among the boxes; of the hub's messages only this camera's boxes come
        live = {"type": "camera_status", "camera_id": str(CAMERA), "state": "live", "error": None}
        assert sorted([first, second], key=lambda m: m["type"]) == [
            live,
            json.loads(_faces(CAMERA, "Ada Lovelace").json_text),
        ]
        assert received.empty()
    finally:
        await peer.close()
    # the page went away: forwarding stops and nobody asks for this camera's boxes any more
    await _until(lambda: not feedback.channels and not hub.wants_faces_of(CAMERA))
    await feedback.close()


async def test_a_channel_of_another_label_is_closed_and_subscribes_to_nothing(
    supervisor: Supervisor,
) -> None:
    hub = EventHub()
    feedback = FaceFeedback(hub, supervisor)
    peer, channel = await _connect(supervisor, feedback, "chat")
    closed = asyncio.Event()
    channel.on("close", closed.set)
    try:
        async with asyncio.timeout(30):
            await closed.wait()
        assert feedback.channels == 0
        assert not hub.wants_faces_of(CAMERA)
    finally:
        await peer.close()
        await feedback.close()
