"""Blocking work on its own thread: a cancelled await never leaves the thread behind."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from streamer.worker import run_in_thread


def slow_to_stop(stop: threading.Event) -> None:
    """Like a reader blocked in I/O: notices `stop` only after a while."""
    stop.wait()
    time.sleep(0.3)


async def test_a_cancelled_await_waits_for_the_thread_even_when_cancelled_again() -> None:
    task = asyncio.create_task(run_in_thread(slow_to_stop, name="streamer-test-worker"))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.sleep(0.05)
    task.cancel()  # a removal racing a shutdown cancels twice
    await asyncio.wait([task], timeout=10)
    assert task.cancelled()
    assert [t for t in threading.enumerate() if t.name == "streamer-test-worker"] == []


async def test_the_result_and_errors_of_the_work_come_back() -> None:
    assert await run_in_thread(lambda stop: 42, name="streamer-test-worker") == 42

    def fail(stop: threading.Event) -> None:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        await run_in_thread(fail, name="streamer-test-worker")
