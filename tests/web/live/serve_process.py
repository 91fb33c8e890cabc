"""`rollcall serve` as a supervisor runs it: a real process on 127.0.0.1 with an external
DATABASE_URL (or, given none, the embedded PostgreSQL in its data folder) and a data folder
that outlives it, started again after each SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import PROJECT_ROOT
from tests.web.e2e.service import free_port

START_TIMEOUT_S = 120.0  # loading the models on two shared cores, waiting for the database
STOP_TIMEOUT_S = 30.0
POLL_S = 0.05

# Small lease times: the camera of a killed process moves to its successor within ~2 s.
FAST_SETTINGS = {
    "ROLLCALL_SERVICE__CAMERA_LEASE_TTL_S": "2",
    "ROLLCALL_SERVICE__CAMERA_LEASE_RENEW_S": "0.5",
    "ROLLCALL_STORE__RETRY_INITIAL_S": "0.05",
    "ROLLCALL_STORE__RETRY_MAX_S": "0.5",
}


@dataclass
class ServiceRuns:
    """Every run of one service's data folder, in order: run N logs to stderr-N.log."""

    database_url: str | None  # None: the embedded PostgreSQL in `folder`
    folder: Path
    settings: Mapping[str, str] = field(default_factory=dict)
    runs: int = 0
    process: asyncio.subprocess.Process | None = None
    url: str = ""

    def _environment(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "ROLLCALL_DATABASE_URL")
            and not key.startswith("ROLLCALL_")
        }
        # this checkout's code, whichever one the virtual environment was installed from
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
        )
        if self.database_url is not None:
            env["DATABASE_URL"] = self.database_url
        env["ROLLCALL_STORE__DATA_DIR"] = str(self.folder)
        env.update(FAST_SETTINGS)
        env.update(self.settings)
        return env

    async def start(self) -> None:
        """Start the next run (the previous one must have ended)."""
        assert self.process is None or self.process.returncode is not None
        self.runs += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self.url = ""
        with self._log("stdout").open("wb") as out, self._log("stderr").open("wb") as err:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "web.cli",
                "--log-level",
                "INFO",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(free_port()),
                env=self._environment(),
                cwd=self.folder,  # no .env of the checkout is read
                stdout=out,
                stderr=err,
            )

    async def ready(self, timeout_s: float = START_TIMEOUT_S) -> float:
        """Wait until the run answers 200 on /health/ready; returns when (monotonic)."""
        async with asyncio.timeout(timeout_s), aiohttp.ClientSession() as client:
            while True:
                self._check_alive()
                if not self.url:
                    self.url = self._announced_url()
                if self.url:
                    with contextlib.suppress(aiohttp.ClientError):
                        async with client.get(f"{self.url}/health/ready") as response:
                            if response.status == 200:
                                return time.monotonic()
                await asyncio.sleep(POLL_S)

    async def kill(self) -> float:
        """SIGKILL, as a crash or an OOM kill; returns when it was sent (monotonic)."""
        assert self.process is not None
        killed = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        return killed

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL for a run that overruns its shutdown."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            await self.kill()

    def logs(self) -> list[dict[str, Any]]:
        """The JSON log records of every run so far, in order."""
        records = []
        for run in range(1, self.runs + 1):
            text = (self.folder / f"stderr-{run}.log").read_text(errors="replace")
            for line in text.splitlines():
                # a line cut short by the SIGKILL is not a record
                with contextlib.suppress(ValueError):
                    records.append(json.loads(line))
        return records

    def stderr_tail(self, lines: int = 40) -> str:
        text = self._log("stderr").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _log(self, name: str) -> Path:
        return self.folder / f"{name}-{self.runs}.log"

    def _announced_url(self) -> str:
        for line in self._log("stdout").read_text(errors="replace").splitlines():
            if line.startswith("{") and '"url"' in line:
                return str(json.loads(line)["url"])
        return ""

    def _check_alive(self) -> None:
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(
                f"run {self.runs} ended with {self.process.returncode}:\n{self.stderr_tail()}"
            )
