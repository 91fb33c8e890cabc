"""The live runtime: cameras -> presence engine -> attendance; change feed -> gallery, hub."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from concurrent.futures import Executor
from contextlib import AsyncExitStack
from types import TracebackType
from uuid import UUID

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from recognizer.presence.config import PresenceConfig
from recognizer.presence.engine import PresenceEngine
from store.camera_leases import CameraReport
from store.cameras import Camera, CameraKind
from store.database import Database
from store.journal import EVENT, SIGHTING, DecisionJournal
from streamer.errors import NotABrowserCamera, UnknownCamera
from streamer.status import CameraState
from streamer.supervisor import Supervisor
from web.domain.unknown_faces import UnknownFaceStore
from web.live.analysis_loop import AnalysisLoop
from web.live.attendance_writer import AttendanceWriter
from web.live.camera_ownership import CameraOwnership
from web.live.camera_state import CameraLiveStatus
from web.live.camera_sync import CameraSync
from web.live.camera_watch import CameraWatch
from web.live.dispatch import Dispatcher
from web.live.feedback import FaceFeedback
from web.live.gallery_sync import GallerySync
from web.live.hub import EventHub
from web.live.journal import LiveJournal
from web.live.latency import EventLatency
from web.live.live_views import LiveViews
from web.live.maintenance import maintain
from web.live.people_directory import PeopleDirectory
from web.live.relay import HubRelay
from web.live.session_closer import keep_closing_ended_sessions
from web.live.session_contexts import SessionContexts
from web.live.tasks import TaskSet
from web.settings import Settings
from web.telemetry.metrics import Metrics

logger = logging.getLogger(__name__)

# Shares of service.shutdown_timeout_s, which a watchdog enforces on the whole shutdown: the
# HTTP runner has the first third (web/process.py), a batch in flight a sixth, buffered writes
# waiting for an absent database a third, and the rest is left for the feed, the pool and an
# embedded server to close. Each at the whole budget, an outage at shutdown ran into the
# watchdog's hard exit before the writes were given up (and logged) and PostgreSQL stopped.
ANALYSIS_STOP_SHARE = 1 / 6
WRITE_FLUSH_SHARE = 1 / 3
# At start, how long journaled decisions get to land before the engine is seeded from the
# database (those that do not land by then still land first, ahead of anything new).
REPLAY_WAIT_S = 10.0


def presence_config(settings: Settings) -> PresenceConfig:
    """The settings' presence section, or the defaults where the settings have none."""
    config = getattr(settings, "presence", None)
    return config if isinstance(config, PresenceConfig) else PresenceConfig()


class LiveRuntime:
    """Cameras -> presence engine -> attendance writes; change feed -> gallery, contexts, hub.

    `async with LiveRuntime(settings, database, analyzer, gallery, metrics, executor) as live:`

    Starting opens the change feed first (so nothing committed during the start is missed),
    loads the gallery, opens the write buffer, starts the cameras and sets each camera's
    class session, then runs the analysis loop and the feed's listeners. Leaving stops the
    cameras, lets the analysis loop finish its batch, flushes the pending attendance writes,
    then cancels and awaits every task and closes the feed.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        analyzer: FaceAnalyzer,
        gallery: Gallery,
        metrics: Metrics,
        executor: Executor,
    ) -> None:
        self._database = database
        self._gallery = gallery
        self._metrics = metrics
        self.supervisor = Supervisor(settings.streamer)
        self.engine = PresenceEngine(analyzer, gallery, presence_config(settings))
        self.hub = EventHub(metrics)
        self.views = LiveViews()
        self._feedback = FaceFeedback(self.hub, self.supervisor)
        people = PeopleDirectory(database)
        latency = EventLatency(metrics)
        self._executor = executor
        self._unknown_faces = UnknownFaceStore.from_settings(settings)
        self._cameras = CameraSync(database, self.supervisor, self._camera_changed)
        self._ownership = CameraOwnership(
            database.camera_leases,
            self._cameras,
            self._report,
            metrics,
            ttl_s=settings.service.camera_lease_ttl_s,
            renew_s=settings.service.camera_lease_renew_s,
            address=settings.service.advertised_address,
        )
        self._contexts = SessionContexts(database, self.engine, self._cameras, metrics)
        self._gallery_sync = GallerySync(
            database, gallery, self.engine, people, analyzer.pack_name, executor, metrics
        )
        self._relay = HubRelay(database, self.hub, people, latency)
        self._journal = DecisionJournal(
            settings.store.journal_dir, settings.store.journal_max_bytes
        )
        journal = LiveJournal(self._journal, metrics)
        self._writer = AttendanceWriter(
            database,
            metrics,
            shutdown_timeout_s=settings.service.shutdown_timeout_s * WRITE_FLUSH_SHARE,
            journal=journal,
        )
        self._analysis_stop_s = settings.service.shutdown_timeout_s * ANALYSIS_STOP_SHARE
        self._analysis = AnalysisLoop(
            self.supervisor,
            self.engine,
            self._writer,
            database,
            self.hub,
            people,
            latency,
            metrics,
            executor,
            unknown_faces=self._unknown_faces,
            journal=journal,
            lease_of=self._ownership.lease_generation,
            views=self.views,
            analyses=self._contexts.analyses,
        )
        self._watch = CameraWatch(self.supervisor, database, metrics)
        self._tasks = TaskSet()
        self._analysis_task: asyncio.Task[None] | None = None
        self._dispatcher: Dispatcher | None = None
        self._stack = AsyncExitStack()
        self._following = False  # camera changes refresh the session contexts

    # -- life ----------------------------------------------------------------------------

    async def __aenter__(self) -> LiveRuntime:
        try:
            await self._start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()
        logger.info("live runtime stopped")

    async def _start(self) -> None:
        # the exit stack unwinds in reverse: cameras, analysis loop, writes, tasks, feed,
        # journal (last: the writes and notices settle in it until they stop)
        stack = self._stack
        journaled = await self._journal.open()
        stack.push_async_callback(self._journal.close)
        feed = await stack.enter_async_context(self._database.change_feed())
        stack.callback(self.hub.close_all)
        stack.push_async_callback(self.views.close)  # after the analysis loop stopped
        stack.push_async_callback(self._feedback.close)
        stack.push_async_callback(self._tasks.cancel_all)
        await self._gallery_sync.load()
        await stack.enter_async_context(self._writer)
        await self._writer.replay(
            [entry.sighting() for entry in journaled if entry.kind == SIGHTING], REPLAY_WAIT_S
        )
        self._analysis.replay([entry for entry in journaled if entry.kind == EVENT])
        stack.push_async_callback(self._stop_analysis)
        await stack.enter_async_context(self.supervisor)
        await self._cameras.load()
        # left before the supervisor: this process's cameras stop, then their leases go
        await stack.enter_async_context(self._ownership)
        await self._contexts.refresh_all()  # once for all the cameras claimed at start
        self._following = True
        self._dispatcher = Dispatcher(
            feed,
            [self._gallery_sync, self._cameras, self._ownership, self._contexts, self._relay],
        )
        self._analysis_task = self._tasks.start(self._analysis.run(), "live-analysis")
        self._tasks.start(self._dispatcher.run(), "live-change-feed")
        self._tasks.start(self._watch.run(), "live-camera-watch")
        self._tasks.start(self._contexts.follow_schedule(), "live-session-schedule")
        self._tasks.start(
            maintain(self._database, unknown_faces=self._unknown_faces, executor=self._executor),
            "live-maintenance",
        )
        self._tasks.start(keep_closing_ended_sessions(self._database), "live-session-closer")
        logger.info(
            "live runtime started",
            extra={
                "cameras": len(self._cameras.cameras()),
                "templates": len(self._gallery),
                "holder": self._ownership.holder,
            },
        )

    async def _stop_analysis(self) -> None:
        task = self._analysis_task
        if task is None:
            return
        self._analysis.stop()
        done, _ = await asyncio.wait([task], timeout=self._analysis_stop_s)
        if not done:
            logger.warning("analysis batch still running at shutdown, cancelled")
            task.cancel()
            await asyncio.wait([task])

    async def _camera_changed(self, camera_id: UUID, camera: Camera | None) -> None:
        if not self._following:
            return  # the start claims its cameras, then refreshes the contexts once
        if camera is None:
            self._contexts.detach_camera(camera_id)
            # CameraWatch forgets the cameras the streamer ran; a refused one (its gauges set
            # at scrape time) has only this moment to go
            self._metrics.forget_camera(camera_id)
        await self._contexts.refresh_all()

    # -- what the API reads --------------------------------------------------------------

    @property
    def holder(self) -> str:
        """This process's name on the camera leases it holds."""
        return self._ownership.holder

    def runs_camera(self, camera_id: UUID) -> bool:
        """Whether this process runs the camera now (its live view is made here)."""
        return self._cameras.camera(camera_id) is not None

    def address_of(self, holder: str) -> str | None:
        """Where the other process `holder` is reached over HTTP, if it advertises it."""
        return self._ownership.address_of(holder)

    def camera_statuses(self) -> list[CameraLiveStatus]:
        """Every enabled camera, whichever process runs it."""
        statuses = (self.camera_status(camera.id) for camera in self._cameras.stored_cameras())
        return [status for status in statuses if status is not None]

    def local_camera_statuses(self) -> list[CameraLiveStatus]:
        """The cameras this process runs (its own metrics describe only these)."""
        statuses = (self._local_status(camera.id) for camera in self._cameras.cameras())
        return [status for status in statuses if status is not None]

    def camera_status(self, camera_id: UUID) -> CameraLiveStatus | None:
        """The camera's live status, wherever it runs; None when it is not an enabled camera.

        Another process's camera is described as its holder last told: its announcements on
        the change feed and its lease renewals (every camera_lease_renew_s)."""
        local = self._local_status(camera_id)
        if local is not None:
            return local
        camera = self._cameras.stored(camera_id)
        if camera is None:
            return None
        session = self._contexts.session_of_room(camera.room_id)
        session_id = None if session is None else session.id
        lease = self._ownership.lease_of(camera_id)
        reported = self._ownership.reported_state(camera_id)
        if lease is None or not lease.live or lease.holder == self.holder or reported is None:
            # between two holders (or not yet told by the new one)
            holder = lease.holder if lease is not None and lease.live else None
            return CameraLiveStatus.elsewhere(
                camera, holder, CameraState.CONNECTING.value, None, None, 0.0, session_id
            )
        return CameraLiveStatus.elsewhere(
            camera,
            lease.holder,
            reported.state,
            reported.error,
            lease.report,
            lease.report_age_s,
            session_id,
        )

    def _local_status(self, camera_id: UUID) -> CameraLiveStatus | None:
        camera = self._cameras.camera(camera_id)
        if camera is None:
            return None
        session = self._contexts.session_of_camera(camera_id)
        session_id = None if session is None else session.id
        refused = self._cameras.refused(camera_id)
        if refused is not None:
            status = CameraLiveStatus.refused(camera, refused, session_id)
        else:
            try:
                streamed = self.supervisor.status(camera_id)
            except UnknownCamera:
                return None
            status = CameraLiveStatus.of(camera, streamed, session_id)
        return dataclasses.replace(status, holder=self.holder)

    def _report(self, camera_id: UUID) -> CameraReport:
        """What this process sees of a camera it holds, for the other processes to show."""
        status = self._local_status(camera_id)
        if status is None:
            return CameraReport(camera_id, CameraState.STOPPED.value)
        return CameraReport(
            camera_id,
            status.state,
            status.error,
            status.analysis_fps,
            status.frames_received,
            status.frames_dropped,
            status.last_frame_age_s,
        )

    async def answer_offer(self, camera_id: UUID, sdp: str, sdp_type: str = "offer") -> str:
        """Answer a browser camera's SDP offer. A browser camera another process holds is
        taken over: it runs where its browser's peer connection is. Raises streamer
        UnknownCamera (no such enabled camera), NotABrowserCamera, or SignallingError (a
        refused offer)."""
        stored = self._cameras.stored(camera_id)
        if stored is not None:
            if stored.kind is not CameraKind.WEBRTC:
                raise NotABrowserCamera(f"camera {camera_id} reads a URL, not a browser")
            await self._ownership.take_over(camera_id)
        return await self.supervisor.answer_offer(
            camera_id, sdp, sdp_type, on_channel=self._feedback.channel_opened
        )

    def unknown_faces(self, session_id: UUID) -> int:
        """Unknown faces reported in the session since this process started."""
        return self._relay.unknown_faces(session_id)

    def readiness(self) -> dict[str, bool]:
        return {
            "cameras_loaded": self._cameras.loaded,
            "gallery_loaded": self._gallery_sync.loaded,
            "feed_connected": self._dispatcher is not None and self._dispatcher.connected,
        }

    @property
    def over_capacity(self) -> bool:
        """Whether the cameras ask for more frames than the analysis keeps up with."""
        return self._analysis.capacity.over_capacity

    def analysis_stage_seconds(self) -> dict[str, float]:
        """Wall seconds the analysis spent per stage since it started (a copy)."""
        return dict(self._analysis.stage_seconds)

    def details(self) -> dict[str, object]:
        statuses = self.supervisor.statuses()
        buffer = self._writer.buffer
        stats = self._analysis.last_stats
        return {
            "cameras": len(self._cameras.cameras()),
            "camera_holder": self.holder,
            "cameras_live": sum(s.state is CameraState.LIVE for s in statuses),
            "analysis_fps": {s.camera_id: s.fps_handed_out for s in statuses},
            "webrtc_peers": self.supervisor.active_peers(),
            "gallery_templates": len(self._gallery),
            "sessions_open": len(self._contexts.open_sessions()),
            "analysis_batches": self._analysis.batches,
            "analysis": self._analysis.capacity.reading.as_json(),
            "last_batch_frames": None if stats is None else stats.frames,
            "write_buffer_depth": buffer.depth,
            "writes_committed": buffer.written,
            "writes_rejected": buffer.rejected,
            "writes_abandoned": buffer.abandoned,
            "writes_fenced": buffer.fenced,
            "journal_entries": self._journal.entries,
            "journal_bytes": self._journal.size,
            "journal_available": self._journal.available,
            "database_available": buffer.database_available,
            "feed_connected": self._dispatcher is not None and self._dispatcher.connected,
            "feed_reconnects": 0 if self._dispatcher is None else self._dispatcher.reconnects,
            "feed_events": 0 if self._dispatcher is None else self._dispatcher.events,
            "websocket_clients": self.hub.clients,
        }
