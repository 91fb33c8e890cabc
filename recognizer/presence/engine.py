"""The presence engine: camera frames in, tracked and voted identities, attendance events out."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from recognizer.analyzer import FaceAnalyzer
from recognizer.decision import Match, match
from recognizer.detector import Detection
from recognizer.gallery import Gallery
from recognizer.ids import CameraId, PersonId, SessionId
from recognizer.presence.best_face import better_face
from recognizer.presence.config import PresenceConfig
from recognizer.presence.context import ClassContext
from recognizer.presence.events import (
    BoxLabel,
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
from recognizer.presence.identity import Change, IdentityState
from recognizer.presence.ledger import SessionLedger
from recognizer.presence.motion import is_bgr_frame, moved_outside, thumbnail
from recognizer.presence.tracker import CameraTracker, Track
from recognizer.presence.weighting import sighting_weight
from recognizer.quality import FaceQuality

logger = logging.getLogger(__name__)

# How long an erased person's matches are refused while the gallery still holds them: far
# longer than the web layer takes to remove them from it, short enough that re-enrolling
# them soon after works.
_ERASURE_GRACE_S = 60.0
# A camera silent this long has no live track left (they end after track_max_age_s of their
# own frames); far longer than any analysis backlog, so a lagging camera keeps its tracks.
_IDLE_CAMERA_S = 60.0


class _StageClock:
    """Laps of one batch: each `lap(stage)` books the time since the previous lap."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def lap(self, stage: str) -> float:
        now = time.perf_counter()
        spent = now - self._last
        self._last = now
        self.stages[stage] = self.stages.get(stage, 0.0) + spent
        return spent

    def total(self, *stages: str) -> float:
        return sum(self.stages.get(stage, 0.0) for stage in stages)


@dataclass(frozen=True, slots=True)
class _Sighting:
    """One detected face of one frame of the batch, and the track it continues."""

    frame: CameraFrame
    track: Track
    detection: Detection


@dataclass(frozen=True, slots=True)
class _Assessed:
    sighting: _Sighting
    quality: FaceQuality
    crop: np.ndarray
    weight: float  # in the track's evidence; 0: not embedded at all


@dataclass(frozen=True, slots=True)
class _Look:
    """Where a frame is searched: whole (`around` None), or only around these tracks."""

    around: list[Track] | None


class PresenceEngine:
    """One engine serves every camera: frames of all cameras share one detector batch and one
    embedder batch, and only faces whose track still needs it are embedded.

    Synchronous and CPU/GPU bound: the web layer calls it from executor threads. `process`
    calls run one at a time; the other methods may be called from any thread meanwhile (they
    wait at most for the bookkeeping of a batch, never for its model runs).
    """

    def __init__(
        self, analyzer: FaceAnalyzer, gallery: Gallery, config: PresenceConfig | None = None
    ) -> None:
        self._analyzer = analyzer
        self._gallery = gallery
        self._config = config or PresenceConfig()
        self._batch_lock = threading.Lock()  # one batch at a time: trackers follow frame order
        self._lock = threading.Lock()  # the state below
        self._trackers: dict[CameraId, CameraTracker] = {}
        self._contexts: dict[CameraId, ClassContext] = {}
        self._ledger = SessionLedger(self._config.seen_refresh_s)
        # Erased people the gallery may still match: the web layer erases from the engine
        # first and from the gallery a moment later, and batches run in between. Person id
        # -> monotonic time of the erasure.
        self._erased: dict[PersonId, float] = {}

    @property
    def config(self) -> PresenceConfig:
        return self._config

    # -- what the web layer tells the engine ---------------------------------------------

    def set_context(self, camera_id: CameraId, context: ClassContext | None) -> None:
        """The class session now running in the camera's room; None when there is none.

        Without a context the camera's faces are still tracked and identified (boxes for the
        camera page) but produce no attendance events. A session's memory of who was
        reported is dropped once no camera holds it (`mark_reported` seeds it again).
        """
        with self._lock:
            old = self._contexts.pop(camera_id, None)
            if context is not None:
                self._contexts[camera_id] = context
            tracker = self._trackers.get(camera_id)
            if tracker is not None and context != old:
                # Everyone in view is due in the new session: the next frame is scanned
                # whether or not anything moved, so those already seated are marked at once.
                tracker.motion_reference = None
                tracker.last_scan = None
            if old is not None and not any(
                c.session_id == old.session_id for c in self._contexts.values()
            ):
                self._ledger.drop_session(old.session_id)

    def context(self, camera_id: CameraId) -> ClassContext | None:
        with self._lock:
            return self._contexts.get(camera_id)

    def mark_reported(self, session_id: SessionId, person_ids: Iterable[PersonId]) -> None:
        """People already present in the session (e.g. read from the database after a
        restart): no PersonPresent goes out for them again."""
        with self._lock:
            self._ledger.mark_present(session_id, person_ids)

    def forget_camera(self, camera_id: CameraId) -> None:
        """Drop a camera's tracks and context (the camera was removed or stopped)."""
        self.set_context(camera_id, None)
        with self._lock:
            self._trackers.pop(camera_id, None)

    def forget_person(self, person_id: PersonId) -> None:
        """Erasure: no track stays identified as the person, no vote counts them, no session
        remembers them. Remove them from the gallery too: until it has let them go (or for
        at most a minute, so that a person enrolled again is not ignored forever) the
        gallery's matches of them are refused."""
        with self._lock:
            for tracker in self._trackers.values():
                for track in tracker.tracks:
                    track.identity.forget(person_id)
            self._ledger.forget_person(person_id)
            self._erased[person_id] = time.monotonic()

    # -- frames --------------------------------------------------------------------------

    def process(self, frames: Sequence[CameraFrame]) -> PresenceUpdate:
        """Detect faces in all frames at once, follow them, embed those whose track needs it
        in one batch, vote, and return the events and the boxes of each camera.

        Frames of one camera must come in capture order. A frame that is not an HxWx3 uint8
        image fails the whole batch with ImageError, before any state changes.
        """
        if not frames:
            return PresenceUpdate([], {}, ProcessStats(0, 0, 0, 0, 0, 0.0, 0, 0.0, 0))
        with self._batch_lock:
            clock = _StageClock()
            self._prune_erased()
            with self._lock:
                looks = self._looks(frames)
            detections = self._detect(frames, looks, clock)
            detect_seconds = clock.total("scan", "around")

            with self._lock:
                sightings = self._track(frames, detections, looks)
                due = self._due(sightings)
            clock.lap("track")

            assessed = self._assess(due)
            pooled = [a for a in assessed.values() if a.weight > 0.0]
            clock.lap("align")
            embeddings = self._analyzer.embed_crops([a.crop for a in pooled])
            embed_seconds = clock.lap("embed")
            judged = [i for i, a in enumerate(pooled) if a.quality.usable]
            matches = self._gallery.identify(embeddings[judged]) if judged else []
            single: dict[int, Match] = dict(zip(judged, matches, strict=True))
            clock.lap("search")

            with self._lock:
                means = self._pool(pooled, embeddings)
            aggregates = self._judge_evidence(means)
            with self._lock:
                self._observe(pooled, single, aggregates)
                if self._config.keep_unknown_faces:
                    self._keep_best_faces(pooled)
                events = self._events(sightings)
                boxes = self._boxes(frames, sightings, assessed)
            clock.lap("decide")

        accepted = sum(m.accepted for m in matches)
        stats = ProcessStats(
            frames=len(frames),
            faces_detected=sum(len(found) for found in detections),
            embeddings=len(pooled),
            matched=accepted,
            unknown=len(matches) - accepted,
            detect_seconds=detect_seconds,
            detect_batch=len(frames),
            embed_seconds=embed_seconds,
            embed_batch=len(pooled),
            stages=clock.stages,
        )
        return PresenceUpdate(events, boxes, stats)

    def _prune_erased(self) -> None:
        """Stop refusing erased people the gallery no longer holds. Asks the gallery outside
        the state lock: a gallery being rebuilt must not hold up `set_context` callers."""
        with self._lock:
            erased = dict(self._erased)
        held = {person_id for person_id in erased if self._gallery.templates_of(person_id)}
        now = time.monotonic()
        with self._lock:
            self._erased = {
                person_id: at
                for person_id, at in self._erased.items()
                if now - at < _ERASURE_GRACE_S
                and (person_id in held or erased.get(person_id) != at)
            }

    def _looks(self, frames: Sequence[CameraFrame]) -> list[_Look]:
        """Whole-frame scans for cameras due one (every full_scan_interval_s and every
        scan_min_frames of the camera's frames; with the motion gate, only when something
        moved or quiet_scan_interval_s passed), else a look around only the tracks that want
        an embedding now: a still room whose faces are all identified costs a scan every
        quiet_scan_interval_s and nothing between."""
        interval = self._config.full_scan_interval_s
        # Frames between scans too, not just seconds: a camera analysed slower than asked (a
        # machine over capacity) is then scanned less often in time, most of its frames stay
        # cheap looks around its faces, and the machine's total frame rate holds up. Scanning
        # by time alone made every slow frame a scan: 14 cameras on 2 cores analysed 5 frames
        # a second in all, against 21 for 8 cameras.
        frames_between = self._config.scan_min_frames - 1
        looks = []
        for frame in frames:
            tracker = self._tracker_of(frame.camera_id)
            last = tracker.last_scan
            now = frame.monotonic
            due = last is None or (
                now - last >= interval - 1e-6 and tracker.frames_since_scan >= frames_between
            )
            if due and not self._quiet(frame, tracker):
                looks.append(_Look(None))
            else:
                looks.append(_Look([t for t in tracker.tracks if t.identity.due(now)]))
        return looks

    def _quiet(self, frame: CameraFrame, tracker: CameraTracker) -> bool:
        """Whether a scan due now can be left out: nothing moved since the camera's last
        scan outside the people it follows (`recognizer.presence.motion`), and the last scan
        is less than quiet_scan_interval_s old. A frame that will be scanned becomes the
        camera's new reference."""
        if not self._config.motion_gate or not is_bgr_frame(frame.image):
            return False  # not an image: the scan refuses the batch before anything changes
        small = thumbnail(frame.image)
        before, last = tracker.motion_reference, tracker.last_scan
        if (
            before is not None
            and last is not None
            and frame.monotonic - last < self._config.quiet_scan_interval_s
            and not moved_outside(
                before, small, [t.bbox for t in tracker.tracks], frame.image.shape[1]
            )
        ):
            return True
        tracker.motion_reference = small
        return False

    def _tracker_of(self, camera_id: CameraId) -> CameraTracker:
        tracker = self._trackers.get(camera_id)
        if tracker is None:
            tracker = self._trackers[camera_id] = CameraTracker(self._config)
        return tracker

    def _detect(
        self, frames: Sequence[CameraFrame], looks: list[_Look], clock: _StageClock
    ) -> list[list[Detection]]:
        limit = self._config.max_faces_per_frame
        whole = [i for i, look in enumerate(looks) if look.around is None]
        partial = [i for i, look in enumerate(looks) if look.around is not None]
        found: list[list[Detection]] = [[] for _ in frames]
        if whole:
            scanned = self._analyzer.scan(
                [frames[i].image for i in whole], self._config.scan_max_size
            )
            for index, detections in zip(whole, scanned, strict=True):
                found[index] = detections[:limit]
        clock.lap("scan")
        around = [[t.bbox for t in looks[i].around or ()] for i in partial]
        if any(around):
            near = self._analyzer.find_around([frames[i].image for i in partial], around)
            for index, detections in zip(partial, near, strict=True):
                found[index] = detections[:limit]
        clock.lap("around")
        return found

    def _track(
        self,
        frames: Sequence[CameraFrame],
        detections: list[list[Detection]],
        looks: list[_Look],
    ) -> list[list[_Sighting]]:
        sightings = []
        for frame, found, look in zip(frames, detections, looks, strict=True):
            tracker = self._tracker_of(frame.camera_id)
            searched = None if look.around is None else {t.track_id for t in look.around}
            tracks = tracker.update(
                [d.bbox for d in found], frame.monotonic, frame.captured_at, searched
            )
            sightings.append([_Sighting(frame, t, d) for t, d in zip(tracks, found, strict=True)])
        self._let_idle_cameras_go(max(f.monotonic for f in frames))
        return sightings

    def _let_idle_cameras_go(self, now: float) -> None:
        """Drop the trackers of cameras that sent no frame for a while: a camera stopped
        without `forget_camera`, or one forgotten while its last frames were in a batch,
        would otherwise keep its tracks (and their kept faces) for good."""
        for camera_id, tracker in list(self._trackers.items()):
            if tracker.last_update is not None and now - tracker.last_update > _IDLE_CAMERA_S:
                del self._trackers[camera_id]

    def _due(self, sightings: list[list[_Sighting]]) -> list[_Sighting]:
        """The latest sighting of each track that wants an embedding now."""
        latest = _latest_by_track(sightings)
        return [s for s in latest.values() if s.track.identity.due(s.frame.monotonic)]

    def _assess(self, due: list[_Sighting]) -> dict[int, _Assessed]:
        """Quality and crop of each due face, keyed by id(track); frames are only read."""
        by_frame: dict[int, list[_Sighting]] = {}
        for sighting in due:
            by_frame.setdefault(id(sighting.frame), []).append(sighting)
        assessed: dict[int, _Assessed] = {}
        for group in by_frame.values():
            frame = group[0].frame
            results = self._analyzer.assess(frame.image, [s.detection for s in group])
            for sighting, (quality, crop) in zip(group, results, strict=True):
                weight = self._weight(quality)
                assessed[id(sighting.track)] = _Assessed(sighting, quality, crop, weight)
        return assessed

    def _weight(self, quality: FaceQuality) -> float:
        gate = self._analyzer.gate
        return sighting_weight(
            quality,
            min_face_px=self._config.min_track_face_px,
            min_det_score=gate.min_det_score,
            max_yaw=gate.max_yaw,
        )

    def _pool(self, pooled: list[_Assessed], embeddings: np.ndarray) -> list[np.ndarray | None]:
        """Add each embedding to its track's evidence; the evidence's mean after it."""
        means = []
        for item, embedding in zip(pooled, embeddings, strict=True):
            evidence = item.sighting.track.identity.evidence
            evidence.add(embedding, item.weight)
            means.append(evidence.mean())
        return means

    def _judge_evidence(self, means: list[np.ndarray | None]) -> list[Match | None]:
        """The aggregate rule on each pooled mean: compared with each person's prototype (the
        mean of their templates: set against set) and decided by its own threshold and margin,
        calibrated on pooled tracks (see PresenceConfig)."""
        present = [(i, mean) for i, mean in enumerate(means) if mean is not None]
        judged: list[Match | None] = [None] * len(means)
        if not present:
            return judged
        candidates = self._gallery.prototype_candidates(np.stack([m for _, m in present]))
        for (index, _), candidate in zip(present, candidates, strict=True):
            judged[index] = match(
                candidate, self._config.aggregate_threshold, self._config.aggregate_margin
            )
        return judged

    def _observe(
        self,
        pooled: list[_Assessed],
        single: dict[int, Match],
        aggregates: list[Match | None],
    ) -> None:
        """Feed each embedded face's matches to its track: its own (faces large enough to be
        judged on one frame) and its pooled evidence's. Events follow from the tracks'
        states, not from these transitions, so a session that starts later still gets them."""
        for index, item in enumerate(pooled):
            own = self._unless_erased(single.get(index))
            aggregate = self._unless_erased(aggregates[index])
            track, frame = item.sighting.track, item.sighting.frame
            change = track.identity.observe(own, frame.monotonic, aggregate)
            if change is None:
                continue
            if change is Change.DROPPED:
                # A different face (or a swapped track) from now on: lateness counts from here.
                track.face_since = frame.captured_at
            logger.debug(
                "track %s",
                change.value,
                extra={"camera_id": frame.camera_id, "track_id": track.track_id},
            )

    def _unless_erased(self, found: Match | None) -> Match | None:
        if found is not None and found.person_id in self._erased:
            return Match(None, found.score, found.margin, accepted=False)
        return found

    def _keep_best_faces(self, pooled: list[_Assessed]) -> None:
        """Each still-undecided track's best face so far, and each unknown one's until it is
        reported to a session (the only report whose face is stored); identified tracks let
        theirs go."""
        for item in pooled:
            track = item.sighting.track
            state = track.identity.state
            awaiting_session = state is IdentityState.UNKNOWN and track.unknown_in <= {None}
            if state is IdentityState.VOTING or awaiting_session:
                track.best_face = better_face(track.best_face, item.crop, item.quality)
            else:
                track.best_face = None

    def _events(self, sightings: list[list[_Sighting]]) -> list[PresenceEvent]:
        """Events of every track seen in the batch, at its latest sighting."""
        latest = _latest_by_track(sightings)
        events: list[PresenceEvent] = []
        for sighting in latest.values():
            if self._alive(sighting):
                events.extend(self._events_of(sighting))
        return events

    def _alive(self, sighting: _Sighting) -> bool:
        """False for a track whose camera was forgotten while the batch was embedded."""
        tracker = self._trackers.get(sighting.frame.camera_id)
        return tracker is not None and tracker.get(sighting.track.track_id) is sighting.track

    def _events_of(self, sighting: _Sighting) -> list[PresenceEvent]:
        frame, track, identity = sighting.frame, sighting.track, sighting.track.identity
        context = self._contexts.get(frame.camera_id)
        if identity.state is IdentityState.UNKNOWN:
            return self._unknown_face(sighting, context.session_id if context else None)
        if context is None or identity.state is not IdentityState.IDENTIFIED:
            return []
        person_id = identity.person_id
        assert person_id is not None  # identified tracks always name their person
        session_id = context.session_id
        if person_id not in context.roster:
            if self._ledger.claim_other_course(session_id, person_id):
                return [
                    OtherCourseSeen(
                        frame.camera_id, session_id, person_id, identity.score, frame.captured_at
                    )
                ]
            return []
        if self._ledger.claim_present(session_id, person_id, frame.monotonic):
            seen_at = max(track.face_since, context.starts_at)
            return [
                PersonPresent(
                    camera_id=frame.camera_id,
                    session_id=session_id,
                    person_id=person_id,
                    status="late" if seen_at > context.late_after else "present",
                    score=identity.score,
                    seen_at=seen_at,
                    captured_monotonic=frame.monotonic,
                    track_id=track.track_id,
                )
            ]
        if self._ledger.claim_seen(session_id, person_id, frame.monotonic):
            return [
                PersonSeen(
                    frame.camera_id, session_id, person_id, identity.score, frame.captured_at
                )
            ]
        return []

    def _unknown_face(
        self, sighting: _Sighting, session_id: SessionId | None
    ) -> list[PresenceEvent]:
        """Once per unknown face and session: a stranger who sat in the room before the class
        began is one of its unknown faces too (a track counted with no session running, or in
        the previous class, was never reported to this one), and one who steps out and comes
        back as a new track is not counted again (their pooled evidence matches)."""
        frame, track = sighting.frame, sighting.track
        if session_id in track.unknown_in or (session_id is None and track.unknown_in):
            return []
        track.unknown_in.add(session_id)
        if session_id is not None and not self._ledger.claim_unknown(
            session_id, track.identity.evidence.mean()
        ):
            track.best_face = None
            return []  # a face this session already counted, back as a new track
        face = None if track.best_face is None else track.best_face.image
        if session_id is not None:
            track.best_face = None
        return [UnknownFace(frame.camera_id, session_id, track.track_id, frame.captured_at, face)]

    def _boxes(
        self,
        frames: Sequence[CameraFrame],
        sightings: list[list[_Sighting]],
        assessed: dict[int, _Assessed],
    ) -> dict[CameraId, list[FaceBox]]:
        """Each camera's faces after its latest frame of the batch: those seen in it, and the
        tracks held unsearched since (identified faces between scans) where they last were."""
        latest: dict[CameraId, list[_Sighting]] = {}
        for frame, row in zip(frames, sightings, strict=True):
            if frame.camera_id in self._trackers:
                latest[frame.camera_id] = row
        boxes = {}
        for camera_id, row in latest.items():
            faces = [self._box(s.track, camera_id, assessed.get(id(s.track))) for s in row]
            seen = {id(s.track) for s in row}
            held = [t for t in self._trackers[camera_id].tracks if id(t) not in seen]
            boxes[camera_id] = faces + [self._box(t, camera_id, None) for t in held]
        return boxes

    def _box(self, track: Track, camera_id: CameraId, assessed: _Assessed | None) -> FaceBox:
        identity = track.identity
        context = self._contexts.get(camera_id)
        label: BoxLabel
        if identity.state is IdentityState.IDENTIFIED:
            off_roster = context is not None and identity.person_id not in context.roster
            label = "other_course" if off_roster else "identified"
        elif identity.state is IdentityState.UNKNOWN:
            label = "unknown"
        elif assessed is not None and assessed.weight <= 0.0:
            label = "low_quality"
        else:
            label = "voting"
        x1, y1, x2, y2 = (float(v) for v in track.bbox)
        return FaceBox(track.track_id, (x1, y1, x2, y2), identity.person_id, label)


def _latest_by_track(sightings: list[list[_Sighting]]) -> dict[int, _Sighting]:
    """Each track's last sighting in the batch (frames are in capture order), by id(track)."""
    latest: dict[int, _Sighting] = {}
    for row in sightings:
        for sighting in row:
            latest[id(sighting.track)] = sighting
    return latest
