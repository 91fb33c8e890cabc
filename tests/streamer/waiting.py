"""Bounded waits on a camera's status, for the streamer tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from uuid import UUID

from streamer.status import CameraState, CameraStatus
from streamer.supervisor import Supervisor


async def wait_for_status(
    supervisor: Supervisor,
    camera_id: UUID,
    condition: Callable[[CameraStatus], bool],
    timeout_s: float,
    what: str,
) -> CameraStatus:
    """Poll until `condition` holds; fail with the last status after `timeout_s`."""
    status = supervisor.status(camera_id)
    try:
        async with asyncio.timeout(timeout_s):
            while not condition(status):
                await asyncio.sleep(0.05)
                status = supervisor.status(camera_id)
    except TimeoutError:
        raise AssertionError(f"{what} not reached in {timeout_s} s; status: {status}") from None
    return status


async def wait_for_state(
    supervisor: Supervisor, camera_id: UUID, state: CameraState, timeout_s: float
) -> CameraStatus:
    return await wait_for_status(
        supervisor, camera_id, lambda status: status.state is state, timeout_s, state.value
    )


def streamer_threads() -> list[threading.Thread]:
    """Reader threads of cameras still alive."""
    return [t for t in threading.enumerate() if t.name.startswith("streamer-") and t.is_alive()]
