"""Newest frame wins: a one-frame mailbox between a producer thread and async consumers."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from streamer.errors import CameraClosed
from streamer.frame import Frame

# A consumer's wait: its loop (puts come from other threads) and the future the put resolves
_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]


class LatestSlot:
    """Holds at most one frame: the newest. A frame replaced before anyone took it is dropped.

    `put` may be called from any thread (decoders run in worker threads); `get` is awaited
    on an event loop. Consumers therefore never see a backlog, and memory stays at one frame
    per camera however slow they are.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: Frame | None = None
        self._closed = False
        self._waiters: list[_Waiter] = []
        self._put = 0
        self._taken = 0
        self._dropped = 0

    @property
    def dropped(self) -> int:
        """Frames replaced by a newer one before any consumer took them."""
        return self._dropped

    @property
    def taken(self) -> int:
        return self._taken

    @property
    def put_count(self) -> int:
        return self._put

    def put(self, frame: Frame) -> None:
        """Offer the newest frame, replacing (and counting as dropped) any untaken one."""
        with self._lock:
            if self._closed:
                return
            self._put += 1
            if self._frame is not None:
                self._dropped += 1
            self._frame = frame
            waiters, self._waiters = self._waiters, []
        self._wake(waiters)

    def peek(self) -> Frame | None:
        """The frame waiting to be taken, if any, without taking it."""
        with self._lock:
            return self._frame

    def take_nowait(self) -> Frame | None:
        """Take the waiting frame, or None when there is none."""
        with self._lock:
            return self._take_locked()

    async def get(self) -> Frame:
        """Take the newest frame, waiting for one when the slot is empty.

        Bound the wait with `asyncio.timeout`. Raises CameraClosed when the slot is closed
        (camera removed) while waiting or before.
        """
        while True:
            with self._lock:
                frame = self._take_locked()
                if frame is not None:
                    return frame
                waiter = self._waiter_locked()
            await self._wait(waiter)

    async def wait_filled(self) -> None:
        """Wait until a frame waits to be taken, taking nothing: for a consumer that takes
        from whichever of several slots fills first. Another consumer may take the frame
        meanwhile. Bound it with `asyncio.timeout`; raises CameraClosed as `get` does."""
        while True:
            with self._lock:
                if self._frame is not None:
                    return
                waiter = self._waiter_locked()
            await self._wait(waiter)

    def close(self) -> None:
        """Wake every waiting consumer with CameraClosed; later puts are ignored."""
        with self._lock:
            self._closed = True
            self._frame = None
            waiters, self._waiters = self._waiters, []
        self._wake(waiters)

    def _waiter_locked(self) -> _Waiter:
        if self._closed:
            raise CameraClosed("the camera was closed")
        loop = asyncio.get_running_loop()
        waiter = (loop, loop.create_future())
        self._waiters.append(waiter)
        return waiter

    async def _wait(self, waiter: _Waiter) -> None:
        """Until the next put or close (or the caller's time-out)."""
        try:
            await waiter[1]
        finally:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _take_locked(self) -> Frame | None:
        frame, self._frame = self._frame, None
        if frame is not None:
            self._taken += 1
        return frame

    @staticmethod
    def _wake(waiters: list[_Waiter]) -> None:
        for loop, waiter in waiters:
            # A closed loop has nobody left to wake.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, waiter)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
