"""The real RTSP server the streamer tests run against, and free local ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"  # has python3-gi; the venv has not
RTSP_SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")


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
        # the server asks the kernel to kill it when this process dies (see rtsp_server.py):
        # no preexec_fn, whose Python code in a forked child of a threaded process can hang
        command += ["--file", str(self.clip), "--parent-pid", str(os.getpid())]
        if self.user:
            command += ["--user", self.user, "--password", str(self.password)]
        self.kill()  # never two servers, never an orphan
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
