"""Browser cameras over WebRTC: aiortc peers on 127.0.0.1 stand in for browsers."""

from __future__ import annotations

import asyncio
import gc
import json
import signal
import sys
from collections.abc import AsyncIterator

import pytest
from aiortc import RTCPeerConnection

from streamer import CameraSpec, CameraState, SignallingError, StreamerConfig, Supervisor
from streamer.webrtc.peer import PEER_CLOSED, rtc_configuration
from streamer.webrtc.synthetic_peer import SyntheticPeer
from tests.ids import uid
from tests.streamer.waiting import wait_for_state

BROWSER = uid("browser")

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("loopback_ice")]


@pytest.fixture
async def supervisor(fast_config: StreamerConfig) -> AsyncIterator[Supervisor]:
    async with Supervisor(fast_config) as supervisor:
        await supervisor.add_camera(CameraSpec(BROWSER))
        yield supervisor


async def valid_offer(codec: str = "VP8") -> str:
    peer = SyntheticPeer(codec, 160, 120, 15)
    try:
        return await peer.offer()
    finally:
        await peer.close()


def open_peer_connections() -> list[RTCPeerConnection]:
    gc.collect()
    return [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, RTCPeerConnection) and obj.connectionState != "closed"
    ]


@pytest.mark.parametrize("codec", ["VP8", "H264"])
async def test_frames_arrive_from_a_peer_in_vp8_and_h264(
    supervisor: Supervisor, codec: str
) -> None:
    peer = SyntheticPeer(codec, 320, 240, 15)
    try:
        answer = await supervisor.answer_offer(BROWSER, await peer.offer())
        await peer.accept_answer(answer)
        feed = supervisor.feed(BROWSER)
        async with asyncio.timeout(30):
            frames = [await feed.get() for _ in range(3)]
        status = supervisor.status(BROWSER)
        peers = supervisor.active_peers()
    finally:
        await peer.close()
    assert f"{codec}/90000" in answer
    assert "typ srflx" not in answer and "typ relay" not in answer  # no STUN/TURN asked
    assert [frame.image.shape for frame in frames] == [(240, 320, 3)] * 3
    assert frames[0].seq < frames[1].seq < frames[2].seq
    assert status.state is CameraState.LIVE
    assert peers == 1


async def test_a_peer_closed_by_the_browser_ends_at_once(fast_config: StreamerConfig) -> None:
    # A watchdog far beyond the wait below proves the close itself ended the peer.
    config = fast_config.model_copy(update={"webrtc_watchdog_s": 120})
    async with Supervisor(config) as supervisor:
        await supervisor.add_camera(CameraSpec(BROWSER))
        peer = SyntheticPeer("VP8", 160, 120, 15)
        await peer.accept_answer(await supervisor.answer_offer(BROWSER, await peer.offer()))
        await wait_for_state(supervisor, BROWSER, CameraState.LIVE, timeout_s=30)
        await peer.close()
        ended = await wait_for_state(supervisor, BROWSER, CameraState.RECONNECTING, 20)
        assert ended.last_error == PEER_CLOSED
        assert supervisor.active_peers() == 0
        # The browser comes back with a new offer: the same camera goes live again.
        again = SyntheticPeer("VP8", 160, 120, 15)
        try:
            await again.accept_answer(await supervisor.answer_offer(BROWSER, await again.offer()))
            back = await wait_for_state(supervisor, BROWSER, CameraState.LIVE, timeout_s=30)
        finally:
            await again.close()
    assert back.reconnects == 1


async def test_the_watchdog_closes_a_peer_whose_browser_died(
    supervisor: Supervisor, fast_config: StreamerConfig
) -> None:
    sender = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "streamer.webrtc.synthetic_peer", "--loopback"),
        *("--width", "160", "--height", "120", "--seconds", "120"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert sender.stdin is not None and sender.stdout is not None
        offer = json.loads(await asyncio.wait_for(sender.stdout.readline(), 30))
        answer = await supervisor.answer_offer(BROWSER, offer["sdp"])
        sender.stdin.write(json.dumps({"type": "answer", "sdp": answer}).encode() + b"\n")
        await sender.stdin.drain()
        await wait_for_state(supervisor, BROWSER, CameraState.LIVE, timeout_s=30)
        sender.send_signal(signal.SIGKILL)  # dies without a word, like a crashed tab
        # aiortc alone notices only after ~30 s; the watchdog (5 s here) well before.
        ended = await wait_for_state(supervisor, BROWSER, CameraState.RECONNECTING, 20)
    finally:
        if sender.returncode is None:
            sender.kill()
        await asyncio.wait_for(sender.wait(), 10)
    assert ended.last_error is not None and "no video for 5 s" in ended.last_error
    assert supervisor.active_peers() == 0


async def test_offers_racing_for_one_camera_leave_one_peer_and_nothing_after_shutdown(
    fast_config: StreamerConfig,
) -> None:
    config = fast_config.model_copy(update={"webrtc_watchdog_s": 60})
    peers = [SyntheticPeer("VP8", 160, 120, 15) for _ in range(3)]
    offers = [await peer.offer() for peer in peers]
    try:
        async with Supervisor(config) as supervisor:
            await supervisor.add_camera(CameraSpec(BROWSER))
            # Answered at once, before the new camera's task has had a turn of the loop.
            answer = await supervisor.answer_offer(BROWSER, offers[0])
            await peers[0].accept_answer(answer)
            await wait_for_state(supervisor, BROWSER, CameraState.LIVE, timeout_s=30)
            # Two browser tabs reconnect at the same moment: both replace the live peer.
            await asyncio.gather(*(supervisor.answer_offer(BROWSER, o) for o in offers[1:]))
            streaming = [
                t for t in asyncio.all_tasks() if t.get_name() == f"streamer-webrtc-{BROWSER}"
            ]
            peers_while_live = supervisor.active_peers()
    finally:
        for peer in peers:
            await peer.close()
    await asyncio.sleep(0.2)  # aiortc's own closing tasks
    assert peers_while_live == 1
    assert len(streaming) == 1
    assert open_peer_connections() == []
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("streamer-")]


def _hostile_offers(base: str) -> dict[str, tuple[str, str]]:
    extra_video = "m=video 9 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\n"
    return {
        "empty": ("", "offer"),
        "not sdp": ("GET / HTTP/1.1\r\n\r\n", "offer"),
        "an answer": (base, "answer"),
        "oversized": (base + "a=x-padding:" + "x" * 70_000 + "\r\n", "offer"),
        "many media sections": (base + extra_video * 50, "offer"),
        "two videos": (base + extra_video, "offer"),
        "many ICE candidates": (
            base
            + "".join(
                f"a=candidate:{i} 1 udp 2130706431 198.51.100.{i} 9 typ host\r\n"
                for i in range(1, 200)
            ),
            "offer",
        ),
        "unparseable media line": ("v=0\r\nm=video abc x y\r\n", "offer"),
        "no video": (base.replace("m=video", "m=audio"), "offer"),
        "video it does not send": (base.replace("a=sendonly", "a=recvonly"), "offer"),
        "no ICE credentials": (
            "\r\n".join(line for line in base.split("\r\n") if not line.startswith("a=ice-")),
            "offer",
        ),
        "no codec in common": (base.replace("VP8/90000", "AV1X/90000"), "offer"),
    }


async def test_malformed_or_hostile_offers_get_a_clear_error_and_leave_nothing_running(
    supervisor: Supervisor,
) -> None:
    offers = _hostile_offers(await valid_offer())
    await asyncio.sleep(0.2)  # let the helper peer's closing tasks finish
    tasks_before = asyncio.all_tasks()
    errors = {}
    for name, (sdp, sdp_type) in offers.items():
        with pytest.raises(SignallingError) as refused:
            await supervisor.answer_offer(BROWSER, sdp, sdp_type)
        errors[name] = str(refused.value)
    await asyncio.sleep(0.2)
    assert supervisor.active_peers() == 0
    assert open_peer_connections() == []
    assert asyncio.all_tasks() <= tasks_before
    assert all(errors.values()), errors
    assert "over" in errors["oversized"]
    assert "media sections" in errors["many media sections"]
    assert "ICE candidates" in errors["many ICE candidates"]
    assert "type 'answer'" in errors["an answer"]
    assert "neither VP8 nor H.264" in errors["no codec in common"]
    assert supervisor.status(BROWSER).state is CameraState.CONNECTING


def test_no_stun_or_turn_server_is_used_unless_configured() -> None:
    assert rtc_configuration(StreamerConfig()).iceServers == []
    configured = StreamerConfig.model_validate(
        {"ice_servers": [{"urls": ["turn:turn.example.org"], "username": "u", "credential": "c"}]}
    )
    [server] = rtc_configuration(configured).iceServers
    assert server.urls == ["turn:turn.example.org"] and server.username == "u"
