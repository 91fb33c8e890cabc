"""Several `rollcall serve` processes on 127.0.0.1 sharing one PostgreSQL, as replicas of a
deployment are: each its own port, data folder and logs; all stopped when the block ends
(SIGTERM, then SIGKILL for one that overruns its shutdown)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.web.e2e.service import free_port

START_TIMEOUT_S = 120.0  # three processes loading the models on two shared cores
STOP_TIMEOUT_S = 30.0
POLL_S = 0.1


@dataclass(frozen=True)
class Replica:
    process: asyncio.subprocess.Process
    url: str
    folder: Path  # its data folder, stdout.log and stderr.log

    @property
    def pid(self) -> int:
        return self.process.pid

    def runs_as(self, holder: str | None) -> bool:
        """True when `holder` (a camera lease's holder: host:pid:nonce) is this process."""
        return holder is not None and holder.rsplit(":", 2)[1] == str(self.pid)

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no lease released; as a pod that dies."""
        self.process.kill()
        await self.process.wait()

    def stderr_tail(self, lines: int = 30) -> str:
        text = (self.folder / "stderr.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def _environment(database_url: str, folder: Path, settings: Mapping[str, str]) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "ROLLCALL_DATABASE_URL") and not key.startswith("ROLLCALL_")
    }
    env["DATABASE_URL"] = database_url
    env["ROLLCALL_STORE__DATA_DIR"] = str(folder)
    env.update(settings)
    return env


async def _start(index: int, database_url: str, root: Path, settings: Mapping[str, str]) -> Replica:
    folder = root / f"replica-{index}"
    folder.mkdir(parents=True)
    with (folder / "stdout.log").open("wb") as out, (folder / "stderr.log").open("wb") as err:
        process = await asyncio.create_subprocess_exec(
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
            env=_environment(database_url, folder, settings),
            cwd=folder,  # no .env of the checkout is read
            stdout=out,
            stderr=err,
        )
    return Replica(process, "", folder)


async def _serving(replica: Replica) -> Replica:
    """The replica once it printed the JSON line saying where it listens."""
    stdout = replica.folder / "stdout.log"
    while True:
        for line in stdout.read_text(errors="replace").splitlines():
            if line.startswith("{") and "url" in line:
                return Replica(replica.process, json.loads(line)["url"], replica.folder)
        if replica.process.returncode is not None:
            raise AssertionError(
                f"replica {replica.pid} ended before serving:\n{replica.stderr_tail()}"
            )
        await asyncio.sleep(POLL_S)


async def _stop(replica: Replica) -> None:
    if replica.process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        replica.process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(replica.process.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            replica.process.kill()
        await replica.process.wait()


@asynccontextmanager
async def replicas(
    count: int, database_url: str, root: Path, settings: Mapping[str, str]
) -> AsyncIterator[list[Replica]]:
    """`count` service processes on `database_url`, each serving once the block starts;
    `settings` are extra ROLLCALL_ environment variables given to every one."""
    started: list[Replica] = []
    try:
        for index in range(count):
            started.append(await _start(index, database_url, root, settings))
        async with asyncio.timeout(START_TIMEOUT_S):
            serving = await asyncio.gather(*(_serving(replica) for replica in started))
        yield list(serving)
    finally:
        await asyncio.gather(*(_stop(replica) for replica in started))
