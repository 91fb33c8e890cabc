"""The runtime's background tasks: started by name, all cancelled and awaited together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)


class TaskSet:
    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, coroutine: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coroutine, name=name)
        task.add_done_callback(_report_crash)
        self._tasks.append(task)
        return task

    async def cancel_all(self) -> None:
        """Cancel every task and wait until each has ended (none is left running)."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            # asyncio.wait rather than gather: it neither re-raises the tasks' errors (already
            # logged) nor swallows a cancellation aimed at the caller
            await asyncio.wait(tasks)


def _report_crash(task: asyncio.Task[None]) -> None:
    if task.cancelled() or task.exception() is None:
        return
    # every loop of the runtime handles its expected failures: this is a bug, keep it loud
    logger.error("live task %s stopped on an error", task.get_name(), exc_info=task.exception())
