"""Fixtures for the streamer tests: generated clips, a real RTSP server, loopback WebRTC."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aioice.ice
import pytest

from streamer.config import StreamerConfig
from streamer.synthetic import write_h264_clip

SYSTEM_PYTHON = "/usr/bin/python3"  # has python3-gi; the venv has not
RTSP_SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
CLIP_FPS = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class RtspServer:
    """gst-rtsp-server in a subprocess under the system Python, on 127.0.0.1."""

    def __init__(self, clip: Path, user: str | None = None, password: str | None = None) -> None:
        self.clip = clip
        self.port = free_port()
        self.user = user
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        credentials = f"{self.user}:{self.password}@" if self.user else ""
        return f"rtsp://{credentials}127.0.0.1:{self.port}/cam"

    def start(self, timeout_s: float = 20.0) -> None:
        """Start (again, on the same port) and wait until the port answers."""
        command = [SYSTEM_PYTHON, str(RTSP_SERVER_SCRIPT), "--port", str(self.port)]
        command += ["--file", str(self.clip)]
        if self.user:
            command += ["--user", self.user, "--password", str(self.password)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while not port_answers(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"the RTSP server exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("the RTSP server did not start")
            time.sleep(0.1)

    def freeze(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL works on a stopped process too
            self.process.wait(timeout=10)


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
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make aiortc peers meet on 127.0.0.1 and nowhere else.

    aioice leaves loopback out of its host candidates, so two local peers would need another
    interface (and would use it). Only the tests' environment changes: production code keeps
    aioice's own address list.
    """

    def loopback_only(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    monkeypatch.setattr(aioice.ice, "get_host_addresses", loopback_only)
