"""A sending aiortc peer with a generated camera: stands in for a browser in tests and the
benchmark. Run as a module it is a separate process that prints its offer as a JSON line,
reads the answer as a JSON line on stdin, and streams for the given time."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from fractions import Fraction

from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)
from av import VideoFrame

from streamer.synthetic import MovingPattern
from streamer.webrtc.loopback import loopback_candidates_only

CLOCK_RATE = 90_000


class PatternTrack(VideoStreamTrack):
    """A live video track of the moving pattern at a steady frame rate."""

    def __init__(self, width: int, height: int, fps: float) -> None:
        super().__init__()
        self._pattern = MovingPattern(width, height)
        self._fps = fps
        self._started_at: float | None = None  # not `_start`: VideoStreamTrack's own pacing
        self.frames_sent = 0

    async def recv(self) -> VideoFrame:
        if self._started_at is None:
            self._started_at = time.monotonic()
        index = self.frames_sent
        delay = self._started_at + index / self._fps - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        frame = VideoFrame.from_ndarray(self._pattern.image(index), format="bgr24")
        frame.pts = round(index * CLOCK_RATE / self._fps)
        frame.time_base = Fraction(1, CLOCK_RATE)
        self.frames_sent += 1
        return frame


class SyntheticPeer:
    """Offers one send-only video stream in the chosen codec ("VP8" or "H264")."""

    def __init__(self, codec: str, width: int = 640, height: int = 480, fps: float = 15) -> None:
        self.track = PatternTrack(width, height, fps)
        self._codec = codec
        self.connection = RTCPeerConnection(configuration=RTCConfiguration(iceServers=[]))

    async def offer(self) -> str:
        transceiver = self.connection.addTransceiver(self.track, direction="sendonly")
        codecs = [
            codec
            for codec in RTCRtpSender.getCapabilities("video").codecs
            if codec.mimeType.lower() == f"video/{self._codec.lower()}"
        ]
        if not codecs:
            raise ValueError(f"aiortc cannot send {self._codec}")
        transceiver.setCodecPreferences(codecs)
        await self.connection.setLocalDescription(await self.connection.createOffer())
        return self.connection.localDescription.sdp

    async def accept_answer(self, sdp: str) -> None:
        await self.connection.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def close(self) -> None:
        await self.connection.close()


async def _serve(args: argparse.Namespace) -> None:
    peer = SyntheticPeer(args.codec, args.width, args.height, args.fps)
    try:
        print(json.dumps({"type": "offer", "sdp": await peer.offer()}), flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        await peer.accept_answer(json.loads(line)["sdp"])
        await asyncio.sleep(args.seconds)
    finally:
        await peer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codec", default="VP8", choices=["VP8", "H264"])
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--fps", type=float, default=15)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--loopback", action="store_true", help="offer only 127.0.0.1 (both peers on this machine)"
    )
    args = parser.parse_args()
    with loopback_candidates_only() if args.loopback else contextlib.nullcontext():
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
