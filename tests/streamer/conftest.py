"""Fixtures for the streamer tests: generated clips, a real RTSP server, loopback WebRTC."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from streamer.config import StreamerConfig
from streamer.synthetic import write_h264_clip
from streamer.webrtc.loopback import loopback_candidates_only
from tests.streamer.servers import RtspServer

CLIP_FPS = 15


@pytest.fixture(scope="session")
def h264_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 s of 320x240 H.264 at 15 fps in Matroska, keyframe every second."""
    path = tmp_path_factory.mktemp("clips") / "pattern.mkv"
    return write_h264_clip(path, 320, 240, CLIP_FPS, seconds=60, keyframe_every=CLIP_FPS)


@pytest.fixture
def rtsp_server_factory(h264_clip: Path) -> Iterator[Callable[..., RtspServer]]:
    servers: list[RtspServer] = []

    def start(user: str | None = None, password: str | None = None) -> RtspServer:
        server = RtspServer(h264_clip, user, password)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.kill()


@pytest.fixture
def rtsp_server(rtsp_server_factory: Callable[..., RtspServer]) -> RtspServer:
    return rtsp_server_factory()


@pytest.fixture
def fast_config() -> StreamerConfig:
    """Short time-outs and backoff so that fault tests end in seconds."""
    return StreamerConfig(
        analysis_fps=None,
        open_timeout_s=4,
        read_timeout_s=2,
        backoff_initial_s=0.2,
        backoff_max_s=1.0,
        webrtc_watchdog_s=5,
    )


@pytest.fixture
def loopback_ice() -> Iterator[None]:
    """Make aiortc peers meet on 127.0.0.1 and nowhere else (see streamer.webrtc.loopback);
    only the tests' environment changes: the service keeps aioice's own address list."""
    with loopback_candidates_only():
        yield
