"""The pipeline: newest frames of all cameras -> presence engine -> writes, events, boxes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from datetime import UTC, datetime
from uuid import UUID

from recognizer.presence.engine import PresenceEngine
from recognizer.presence.events import (
    FaceBox,
    OtherCourseSeen,
    PersonPresent,
    PersonSeen,
    PresenceEvent,
    PresenceUpdate,
    ProcessStats,
    UnknownFace,
)
from recognizer.presence.frame import CameraFrame
from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.errors import StoreError
from store.events import EventKind
from store.journal import JournalEntry
from streamer.frame import Frame
from streamer.newest_frames import newest_frames
from streamer.supervisor import Supervisor
from web.domain.unknown_faces import UnknownFaceStore
from web.live.analysis_capacity import AnalysisCapacity
from web.live.announcements import Announcements
from web.live.attendance_writer import AttendanceWriter
from web.live.box_names import BoxNames
from web.live.hub import EventHub
from web.live.journal import LiveJournal
from web.live.latency import EventLatency
from web.live.live_views import LiveViews
from web.live.messages import FaceBoxOut, FacesMessage
from web.live.people_directory import PeopleDirectory
from web.telemetry.metrics import Metrics

logger = logging.getLogger(__name__)

ANNOUNCE_STOP_TIMEOUT_S = 1.0  # at shutdown, unknown-face notices get this long to land
IDLE_WAIT_S = 0.5  # how long one wait for frames lasts before the loop looks around again
FACES_INTERVAL_S = 0.2  # face boxes go to camera pages at most 5 times a second
WEIGH_INTERVAL_S = 0.5  # the capacity reading is brought up to date at most this often

# The generation of the camera's lease that this process holds (or held last), or None.
LeaseOf = Callable[[UUID], int | None]
# Whether a camera's frames may be analysed now (not in a session of a course with
# recognition off: web.live.session_contexts).
Analyses = Callable[[UUID], bool]


class AnalysisLoop:
    """Runs until `stop()`: each turn takes the newest frame of every camera that has one
    (the feeds already pace them at the analysis rate), hands them all to the engine in one
    executor call, so the frames of all cameras share the detector's and embedder's batches,
    and acts on what comes back. A batch in flight at `stop()` is finished and its writes
    submitted. Each write carries the generation of its camera's lease (`lease_of`), which
    PostgreSQL checks: a camera lost meanwhile writes nothing. A frame of a camera that
    `analyses` refuses never reaches the engine: no face in it is looked for (its live view
    still shows the picture, without boxes)."""

    def __init__(
        self,
        supervisor: Supervisor,
        engine: PresenceEngine,
        writer: AttendanceWriter,
        database: Database,
        hub: EventHub,
        people: PeopleDirectory,
        latency: EventLatency,
        metrics: Metrics,
        executor: Executor,
        unknown_faces: UnknownFaceStore | None = None,
        journal: LiveJournal | None = None,
        lease_of: LeaseOf | None = None,
        views: LiveViews | None = None,
        analyses: Analyses | None = None,
    ) -> None:
        self._supervisor = supervisor
        self._analyses = analyses
        self._views = views
        self._engine = engine
        self._writer = writer
        self._announcements = Announcements(database, journal=journal)
        self._hub = hub
        self._names = BoxNames(people)
        self._latency = latency
        self._metrics = metrics
        self._executor = executor
        self._unknown_faces = unknown_faces
        self._lease_of = lease_of
        self._stopping = asyncio.Event()
        self._faces_sent: dict[UUID, float] = {}
        self._frame_sizes: dict[UUID, tuple[int, int]] = {}
        self.batches = 0
        self.last_stats: ProcessStats | None = None
        self.capacity = AnalysisCapacity()
        # wall seconds per stage since start: the engine's stages, and "act" (writes, events,
        # boxes and previews), which runs on the event loop after each batch
        self.stage_seconds: dict[str, float] = {}
        self._offered_total = 0
        self._offered_seen: dict[UUID, int] = {}
        self._weighed_at = float("-inf")

    def stop(self) -> None:
        self._stopping.set()

    def replay(self, entries: Sequence[JournalEntry]) -> None:
        """Unknown-face notices a previous run journaled and may not have published."""
        self._announcements.replay(entries)

    async def run(self) -> None:
        try:
            await self._analyse()
        finally:
            await self._names.close()
            await self._announcements.finish(ANNOUNCE_STOP_TIMEOUT_S)

    async def _analyse(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            cameras = self._supervisor.camera_ids
            self._forget_removed(set(cameras))
            feeds = [self._supervisor.feed(c) for c in cameras]
            frames = self._to_analyse(await newest_frames(feeds, IDLE_WAIT_S))
            # busy from here to the next wait for frames: the batch and acting on it alike
            ready = time.monotonic()
            self._weigh_capacity()
            if not frames:
                continue
            batch = [_camera_frame(frame) for frame in frames]
            try:
                update = await loop.run_in_executor(self._executor, self._engine.process, batch)
            except Exception:
                logger.exception("presence engine failed on a batch; skipping it")
                continue
            self.batches += 1
            for frame in frames:
                self._frame_sizes[frame.camera_id] = (frame.image.shape[1], frame.image.shape[0])
            acting = time.perf_counter()
            try:
                await self._handle(update, frames)
            except Exception:
                # one bad batch must not end attendance taking for the rest of the process
                logger.exception("acting on a presence batch failed; carrying on")
            self._book({**update.stats.stages, "act": time.perf_counter() - acting})
            self.capacity.batch(ready, time.monotonic(), len(batch))

    def _to_analyse(self, frames: list[Frame]) -> list[Frame]:
        """The frames the engine may see; the others go to their live views unanalysed."""
        if self._analyses is None:
            return frames
        allowed: list[Frame] = []
        withheld: list[Frame] = []
        for frame in frames:
            (allowed if self._analyses(frame.camera_id) else withheld).append(frame)
        if withheld:
            self._offer_previews({}, withheld)
        return allowed

    async def _handle(self, update: PresenceUpdate, frames: list[Frame]) -> None:
        self._measure(update.stats, frames)
        for event in update.events:
            try:
                await self._act(event)
            except StoreError as error:
                # a live observation lost to an absent database; writes are buffered instead
                logger.warning(
                    "presence event not published: %s",
                    error,
                    extra={"camera_id": str(event.camera_id), "error": str(error)},
                )
        await self._send_boxes(update.boxes)
        self._offer_previews(update.boxes, frames)

    async def _act(self, event: PresenceEvent) -> None:
        match event:
            case PersonPresent():
                self._metrics.attendance_events.labels(status=event.status).inc()
                self._latency.decided(event.session_id, event.person_id, event.captured_monotonic)
                await self._writer.submit(
                    Sighting(
                        session_id=event.session_id,
                        person_id=event.person_id,
                        status=AttendanceStatus(event.status),
                        seen_at=event.seen_at,
                        score=event.score,
                        camera_id=event.camera_id,
                        lease=self._lease(event.camera_id),
                    ),
                    decision=True,
                )
            case PersonSeen():
                if self._writer.crowded:
                    # In a long outage these last-seen refreshes (one per person every half
                    # minute) would fill the buffer, and a full buffer stops the analysis of
                    # every camera: new arrivals could then not be marked present at all.
                    return
                # the stored status stays what the first sighting decided; this keeps last_seen
                await self._writer.submit(
                    Sighting(
                        session_id=event.session_id,
                        person_id=event.person_id,
                        status=AttendanceStatus.PRESENT,
                        seen_at=event.seen_at,
                        score=event.score,
                        camera_id=event.camera_id,
                        lease=self._lease(event.camera_id),
                    )
                )
            case UnknownFace():
                self._metrics.unknown_faces.labels(camera=str(event.camera_id)).inc()
                await self._keep_face(event)
                if event.session_id is not None:
                    await self._announcements.announce_durably(
                        EventKind.PRESENCE_UNKNOWN_FACE,
                        {
                            "session_id": str(event.session_id),
                            "camera_id": str(event.camera_id),
                            "track_id": event.track_id,
                        },
                    )
            case OtherCourseSeen():
                self._announcements.announce(
                    EventKind.PRESENCE_OTHER_COURSE,
                    {
                        "session_id": str(event.session_id),
                        "camera_id": str(event.camera_id),
                        "person_id": str(event.person_id),
                        "score": round(event.score, 4),
                    },
                )

    def _lease(self, camera_id: UUID) -> int | None:
        return None if self._lease_of is None else self._lease_of(camera_id)

    async def _keep_face(self, event: UnknownFace) -> None:
        """Store the face's image when the engine kept one (presence.keep_unknown_faces) and
        the camera's room has a session to file it under."""
        store = self._unknown_faces
        if store is None or event.face is None or event.session_id is None:
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                self._executor,
                store.write,
                event.session_id,
                event.camera_id,
                event.track_id,
                event.seen_at,
                event.face,
            )
        except (OSError, ValueError) as error:
            logger.warning(
                "unknown face image not kept: %s",
                error,
                extra={"camera_id": str(event.camera_id), "error": str(error)},
            )

    async def _send_boxes(self, boxes: dict[UUID, list[FaceBox]]) -> None:
        now = time.monotonic()
        for camera_id, faces in boxes.items():
            if not self._hub.wants_faces_of(camera_id):
                continue
            if now - self._faces_sent.get(camera_id, -FACES_INTERVAL_S) < FACES_INTERVAL_S:
                continue
            self._faces_sent[camera_id] = now
            width, height = self._frame_sizes.get(camera_id, (0, 0))
            await self._hub.publish(
                FacesMessage(
                    camera_id=camera_id,
                    boxes=self._named(faces),
                    width=width,
                    height=height,
                )
            )

    def _offer_previews(self, boxes: dict[UUID, list[FaceBox]], frames: list[Frame]) -> None:
        """The live views: a frame of a watched camera, with the boxes found in it."""
        views = self._views
        if views is None:
            return
        now = time.monotonic()
        for frame in frames:
            if views.wants(frame.camera_id, now):
                faces = self._named(boxes.get(frame.camera_id, []))
                views.offer(frame.camera_id, frame.image, faces, frame.captured_at, now)

    def _named(self, faces: list[FaceBox]) -> list[FaceBoxOut]:
        labels = self._names.labels([f.person_id for f in faces])
        return [
            FaceBoxOut(bbox=face.bbox, label=label, state=face.label)
            for face, label in zip(faces, labels, strict=True)
        ]

    def _forget_removed(self, cameras: set[UUID]) -> None:
        for state in (self._faces_sent, self._frame_sizes, self._offered_seen):
            for camera_id in state.keys() - cameras:
                del state[camera_id]
        if self._views is not None:
            self._views.forget(cameras)

    def _book(self, stages: dict[str, float]) -> None:
        for stage, seconds in stages.items():
            self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds
            self._metrics.analysis_stage_seconds.labels(stage=stage).inc(seconds)

    def _weigh_capacity(self) -> None:
        """Count the frames the cameras offered since the last weighing (admitted by their
        rate: analysed, or replaced in their slot by a newer one) and update the capacity
        reading; at most every WEIGH_INTERVAL_S, not on every turn of the loop."""
        now = time.monotonic()
        if now - self._weighed_at < WEIGH_INTERVAL_S:
            return
        self._weighed_at = now
        seen = self._offered_seen
        for status in self._supervisor.statuses():
            offered = status.frames_handed_out + status.frames_dropped
            if self._analyses is None or self._analyses(status.camera_id):
                # a camera whose frames are withheld (recognition off) asks nothing of it
                self._offered_total += max(0, offered - seen.get(status.camera_id, 0))
            seen[status.camera_id] = offered
        reading = self.capacity.offered(now, self._offered_total)
        m = self._metrics
        m.analysis_demand_fps.set(reading.demand_fps)
        m.analysis_total_fps.set(reading.analysed_fps)
        m.analysis_busy.set(reading.busy)
        m.analysis_capacity_fps.set(reading.capacity_fps or 0.0)
        m.analysis_over_capacity.set(1.0 if reading.over_capacity else 0.0)

    def _measure(self, stats: ProcessStats, frames: list[Frame]) -> None:
        self.last_stats = stats
        m = self._metrics
        running = set(self._supervisor.camera_ids)
        for frame in frames:
            # a camera removed during the batch loses its series (CameraWatch): none made anew
            if frame.camera_id in running:
                m.frames_analyzed.labels(camera=str(frame.camera_id)).inc()
        m.inference_seconds.labels(
            model="detector", batch=_batch_label(stats.detect_batch)
        ).observe(stats.detect_seconds)
        if stats.embed_batch:
            m.inference_seconds.labels(
                model="recognizer", batch=_batch_label(stats.embed_batch)
            ).observe(stats.embed_seconds)
        m.faces_detected.inc(stats.faces_detected)
        m.identifications.labels(result="matched").inc(stats.matched)
        m.identifications.labels(result="unknown").inc(stats.unknown)


def _camera_frame(frame: Frame) -> CameraFrame:
    return CameraFrame(
        camera_id=frame.camera_id,
        image=frame.image,
        captured_at=datetime.fromtimestamp(frame.captured_at, UTC),
        monotonic=frame.monotonic,
    )


def _batch_label(size: int) -> str:
    """Batch sizes as powers of two ("1", "2", "4", ... "64+"): a bounded label set."""
    bucket = 1
    while bucket < size and bucket < 64:
        bucket *= 2
    return f"{bucket}+" if size > 64 else str(bucket)
