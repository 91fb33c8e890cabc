"""A browser camera's data channel: the channel the browser opens in its offer is handed to
whoever answered the offer, carries text to the browser, and ends with the peer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiortc import RTCDataChannel

from streamer import CameraSpec, StreamerConfig, Supervisor
from streamer.webrtc.data_channel import BrowserChannel
from streamer.webrtc.synthetic_peer import SyntheticPeer
from tests.ids import uid

BROWSER = uid("browser")

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("loopback_ice")]


@pytest.fixture
async def supervisor(fast_config: StreamerConfig) -> AsyncIterator[Supervisor]:
    async with Supervisor(fast_config) as supervisor:
        await supervisor.add_camera(CameraSpec(BROWSER))
        yield supervisor


def _received(channel: RTCDataChannel) -> asyncio.Queue[str]:
    messages: asyncio.Queue[str] = asyncio.Queue()
    channel.on("message", messages.put_nowait)
    return messages


async def test_the_browsers_feedback_channel_reaches_the_listener_and_carries_text_back(
    supervisor: Supervisor,
) -> None:
    opened: asyncio.Queue[BrowserChannel] = asyncio.Queue()
    peer = SyntheticPeer("VP8", 160, 120, 10)
    browser_side = peer.connection.createDataChannel("feedback")
    messages = _received(browser_side)
    try:
        answer = await supervisor.answer_offer(
            BROWSER, await peer.offer(), on_channel=opened.put_nowait
        )
        await peer.accept_answer(answer)
        async with asyncio.timeout(30):
            channel = await opened.get()
            assert channel.camera_id == BROWSER and channel.label == "feedback"
            assert channel.open
            assert channel.send('{"type": "faces"}')
            assert await messages.get() == '{"type": "faces"}'
    finally:
        await peer.close()
    async with asyncio.timeout(30):
        await channel.wait_closed()
    assert not channel.open
    assert not channel.send("after the end")


async def test_a_new_offer_closes_the_channel_of_the_peer_it_replaces(
    supervisor: Supervisor,
) -> None:
    opened: asyncio.Queue[BrowserChannel] = asyncio.Queue()
    first, second = SyntheticPeer("VP8", 160, 120, 10), SyntheticPeer("VP8", 160, 120, 10)
    first.connection.createDataChannel("feedback")
    try:
        answer = await supervisor.answer_offer(
            BROWSER, await first.offer(), on_channel=opened.put_nowait
        )
        await first.accept_answer(answer)
        async with asyncio.timeout(30):
            channel = await opened.get()
        await second.accept_answer(await supervisor.answer_offer(BROWSER, await second.offer()))
        async with asyncio.timeout(30):
            await channel.wait_closed()
        assert opened.empty()  # the second offer asked for no channel listener
    finally:
        await first.close()
        await second.close()


async def test_an_offer_with_a_data_channel_is_answered_without_a_listener(
    supervisor: Supervisor,
) -> None:
    peer = SyntheticPeer("VP8", 160, 120, 10)
    peer.connection.createDataChannel("feedback")
    try:
        answer = await supervisor.answer_offer(BROWSER, await peer.offer())
        await peer.accept_answer(answer)
        feed = supervisor.feed(BROWSER)
        async with asyncio.timeout(30):
            frame = await feed.get()
    finally:
        await peer.close()
    assert "m=application" in answer
    assert frame.image.shape == (120, 160, 3)
