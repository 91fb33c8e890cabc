"""The service as `rollcall serve` runs it (`run_service`), in this process on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from web.process import run_service
from web.settings import Settings

START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class RunningService:
    url: str  # http://127.0.0.1:PORT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _announced_url(lines: asyncio.Queue[str], service: asyncio.Task[int]) -> str:
    """The URL of the JSON line the service prints once it listens."""
    async with asyncio.timeout(START_TIMEOUT_S):
        while True:
            getting = asyncio.ensure_future(lines.get())
            await asyncio.wait({getting, service}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                raise AssertionError(f"the service ended before serving: {service.result()}")
            line = getting.result()
            if line.startswith("{"):
                return str(json.loads(line)["url"])


@asynccontextmanager
async def serving(settings: Settings, *, port: int | None = None) -> AsyncIterator[RunningService]:
    """Serve until the block ends, then stop as on SIGTERM; the service must end by itself,
    cleanly (exit status 0), within its own shutdown budget. A fixed `port` lets a test start
    the service again at the address its clients already know (a restart); else any free one."""
    lines: asyncio.Queue[str] = asyncio.Queue()
    stop = asyncio.Event()
    service = asyncio.create_task(
        run_service(
            settings,
            demo=False,
            port=free_port() if port is None else port,
            host="127.0.0.1",
            emit=lines.put_nowait,
            stop=stop,
        )
    )
    try:
        yield RunningService(await _announced_url(lines, service))
    finally:
        stop.set()
        # run_service's own watchdog ends a shutdown that overruns; this bound is beyond it
        status = await asyncio.wait_for(service, settings.service.shutdown_timeout_s * 2)
    assert status == 0, f"the service stopped with exit status {status}"
