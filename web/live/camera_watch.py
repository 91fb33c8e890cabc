"""Watching the supervised cameras: their metrics, and their state changes announced."""

from __future__ import annotations

import asyncio
from uuid import UUID

from store.database import Database
from store.events import EventKind
from streamer.status import CameraState, CameraStatus
from streamer.supervisor import Supervisor
from web.live.announcements import Announcements
from web.live.camera_state import trouble
from web.telemetry.metrics import Metrics

WATCH_INTERVAL_S = 1.0
ANNOUNCE_STOP_TIMEOUT_S = 1.0


class CameraWatch:
    """Every second: the streamer's per-camera counters into the metrics (as increments
    since the last look), and each change of a camera's state published on the change feed
    (`camera.status`), so every process's boards show it. Announcing never waits for the
    database: one that hangs must not freeze the counters."""

    def __init__(self, supervisor: Supervisor, database: Database, metrics: Metrics) -> None:
        self._supervisor = supervisor
        self._announcements = Announcements(database)
        self._metrics = metrics
        self._seen: dict[UUID, CameraStatus] = {}

    async def run(self) -> None:
        try:
            while True:
                self.look()
                await asyncio.sleep(WATCH_INTERVAL_S)
        finally:
            await self._announcements.finish(ANNOUNCE_STOP_TIMEOUT_S)

    def look(self) -> None:
        statuses = {s.camera_id: s for s in self._supervisor.statuses()}
        for camera_id in set(self._seen) - set(statuses):
            del self._seen[camera_id]
            self._metrics.forget_camera(camera_id)
        for camera_id, status in statuses.items():
            before = self._seen.get(camera_id)
            self._seen[camera_id] = status
            self._count(status, before)
            if before is None or before.state is not status.state:
                self._announce(status)

    def _count(self, status: CameraStatus, before: CameraStatus | None) -> None:
        m, camera = self._metrics, str(status.camera_id)  # the label's text
        received = status.frames_received - (before.frames_received if before else 0)
        dropped = status.frames_dropped - (before.frames_dropped if before else 0)
        skipped = status.frames_skipped - (before.frames_skipped if before else 0)
        # a changed source keeps its counters; a re-added camera starts again from zero
        m.frames_received.labels(camera=camera).inc(max(received, 0))
        m.frames_dropped.labels(camera=camera).inc(max(dropped, 0))
        m.frames_skipped.labels(camera=camera).inc(max(skipped, 0))
        m.camera_up.labels(camera=camera).set(1 if status.state is CameraState.LIVE else 0)
        m.analysis_fps.labels(camera=camera).set(status.fps_handed_out)

    def _announce(self, status: CameraStatus) -> None:
        self._announcements.announce(
            EventKind.CAMERA_STATUS,
            {
                "camera_id": str(status.camera_id),
                "state": status.state.value,
                "error": trouble(status),
            },
        )
