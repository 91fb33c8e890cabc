"""Blocking work (PyAV opens, reads and decodes) on a dedicated thread, awaited from asyncio."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def run_in_thread(work: Callable[[threading.Event], T], name: str) -> T:
    """Run `work(stop)` on its own thread and await its result.

    A dedicated thread rather than the loop's default executor: a camera's reader blocks for
    as long as the camera streams, and a few cameras would exhaust the shared pool. If the
    awaiting task is cancelled, `stop` is set and the thread is awaited before the
    cancellation propagates, so no reader outlives its camera. `work` must check `stop`
    often and never block longer than its own I/O time-outs.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()
    stop = threading.Event()

    def target() -> None:
        try:
            result = work(stop)
        except BaseException as exc:  # handed to the awaiting task, which re-raises it
            loop.call_soon_threadsafe(_settle, done, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, done, result, None)

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    try:
        return await asyncio.shield(done)
    except asyncio.CancelledError:
        stop.set()
        while not done.done():
            # A second cancel (a removal racing a shutdown) must not abandon the thread
            # either: it ends within its I/O time-outs, and the cancellation still propagates.
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([done])
        if not done.cancelled():
            done.exception()  # retrieved: the cancellation is what propagates
        raise
    finally:
        if done.done():
            thread.join()


def _settle(done: asyncio.Future[T], result: T | None, exc: BaseException | None) -> None:
    if done.done():
        return
    if exc is not None:
        done.set_exception(exc)
    else:
        done.set_result(result)  # type: ignore[arg-type]
