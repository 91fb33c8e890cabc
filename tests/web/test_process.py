"""The composition root in this process: it serves the app over real parts, and a stop closes
WebSocket clients, the live runtime and the database in order, and returns 0."""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass
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


async def _announced(lines: asyncio.Queue[str]) -> tuple[list[str], dict[str, Any]]:
    """The lines for people, then the JSON line for machines, of a starting service."""
    said: list[str] = []
    async with asyncio.timeout(START_TIMEOUT_S):
        while True:
            line = await lines.get()
            if line.startswith("{"):
                return said, json.loads(line)
            said.append(line)


async def _serving(lines: asyncio.Queue[str]) -> dict[str, Any]:
    return (await _announced(lines))[1]


@dataclass
class Started:
    """A service run in this test's loop: the lines it says, and how to stop it."""

    lines: asyncio.Queue[str]
    stop: asyncio.Event
    task: asyncio.Task[int]


def _start(settings: Settings) -> Started:
    lines: asyncio.Queue[str] = asyncio.Queue()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_service(
            settings,
            demo=False,
            port=free_port(),
            host="127.0.0.1",
            emit=lines.put_nowait,
            stop=stop,
        )
    )
    return Started(lines, stop, task)


async def test_the_service_serves_until_stopped_then_closes_its_clients_and_returns_0(
    settings: Settings, teacher: SignedIn
) -> None:
    started = _start(settings)
    lines, stop, service = started.lines, started.stop, started.task
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


async def test_a_service_nobody_can_sign_in_to_says_how_to_make_the_first_admin(
    settings: Settings, teacher: SignedIn
) -> None:
    started = _start(settings)
    lines, stop, service = started.lines, started.stop, started.task
    try:
        said, serving = await _announced(lines)
    finally:
        stop.set()
        await asyncio.wait_for(service, settings.service.shutdown_timeout_s)
    assert serving["needs_admin"] is True  # a teacher is no admin: nobody can enrol anyone
    # an embedded database says where its folder is; an external one (DATABASE_URL) has none
    store = settings.store
    assert serving["data_dir"] == (None if store.database_url else str(store.data_dir))
    (hint,) = [line for line in said if line.startswith("No admin yet")]
    assert "rollcall user add NAME --role admin" in hint


async def test_a_port_out_of_range_is_refused_like_a_bad_setting(settings: Settings) -> None:
    with pytest.raises(ValidationError):
        await run_service(settings, demo=False, port=70_000)
