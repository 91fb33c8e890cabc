"""The teacher's attendance board: a WebSocket client of /ws subscribed to one session that
notes when each message arrives."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.web.e2e.api_client import ApiClient

Message = dict[str, Any]


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic() when the board received it
    message: Message


@dataclass
class Board:
    ws: aiohttp.ClientWebSocketResponse
    arrivals: list[Arrival] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def of_type(self, kind: str) -> list[Arrival]:
        return [a for a in self.arrivals if a.message["type"] == kind]

    def present_events(self) -> list[Arrival]:
        """Attendance messages that first recorded someone (the row's insertion)."""
        return [a for a in self.of_type("attendance") if a.message["inserted"]]

    async def wait_until(self, condition: Callable[[Board], bool], timeout_s: float) -> None:
        """Until `condition(board)` holds; fails, listing what arrived, past the bound."""
        try:
            async with asyncio.timeout(timeout_s), self._changed:
                await self._changed.wait_for(lambda: condition(self))
        except TimeoutError:
            kinds = [a.message["type"] for a in self.arrivals]
            raise AssertionError(f"not reached in {timeout_s} s; the board got {kinds}") from None

    async def collect(self) -> None:
        """Note every message until the connection closes."""
        async for frame in self.ws:
            if frame.type is not aiohttp.WSMsgType.TEXT:
                break
            arrival = Arrival(time.monotonic(), frame.json())
            async with self._changed:
                self.arrivals.append(arrival)
                self._changed.notify_all()


@asynccontextmanager
async def board_of(teacher: ApiClient, session_id: str) -> AsyncIterator[Board]:
    """Connected with the teacher's token and subscribed; starts once the snapshot is in."""
    async with teacher.http.ws_connect(f"{teacher.url}/ws", headers=teacher.headers) as ws:
        board = Board(ws)
        reader = asyncio.create_task(board.collect())
        try:
            await ws.send_json({"type": "subscribe", "session_id": session_id})
            await board.wait_until(lambda b: bool(b.of_type("snapshot")), timeout_s=30.0)
            yield board
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
