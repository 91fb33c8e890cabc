"""The composition root in this process: it serves the app over real parts, and a stop closes
WebSocket clients, the live runtime and the database in order, and returns 0."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from tests.web.conftest import SignedIn
from web.process import run_service
from web.settings import Settings

START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _serving(lines: asyncio.Queue[str]) -> dict[str, Any]:
    async with asyncio.timeout(START_TIMEOUT_S):
        while True:
            line = await lines.get()
            if line.startswith("{"):
                return json.loads(line)


async def test_the_service_serves_until_stopped_then_closes_its_clients_and_returns_0(
    settings: Settings, teacher: SignedIn
) -> None:
    lines: asyncio.Queue[str] = asyncio.Queue()
    stop = asyncio.Event()
    service = asyncio.create_task(
        run_service(
            settings,
            demo=False,
            port=free_port(),
            host="127.0.0.1",
            emit=lines.put_nowait,
            stop=stop,
        )
    )
    try:
        serving = await _serving(lines)
        assert serving["event"] == "serving"
        assert serving["demo"] is None
        url = serving["url"]
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{url}/health/ready") as ready:
                body = await ready.json()
                assert ready.status == 200, body
                assert all(body["checks"].values())
            ws = await client.ws_connect(f"{url}/ws", headers=teacher.headers)
            await ws.send_json({"type": "ping"})
            assert await ws.receive_json(timeout=10) == {"type": "pong"}

            stop.set()
            closing = await ws.receive(timeout=settings.service.shutdown_timeout_s)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert await asyncio.wait_for(service, settings.service.shutdown_timeout_s) == 0
            with pytest.raises(aiohttp.ClientConnectionError):
                await client.get(f"{url}/health/live")
    finally:
        stop.set()
        if not service.done():
            service.cancel()


async def test_a_port_out_of_range_is_refused_like_a_bad_setting(settings: Settings) -> None:
    with pytest.raises(ValidationError):
        await run_service(settings, demo=False, port=70_000)
