"""Per-camera face tracks: the same face in consecutive frames, followed by box overlap."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from recognizer.boxes import iou_matrix
from recognizer.ids import SessionId
from recognizer.presence.best_face import BestFace
from recognizer.presence.config import PresenceConfig
from recognizer.presence.identity import TrackIdentity


@dataclass(eq=False)
class Track:
    """One face followed across frames of one camera; times are monotonic seconds."""

    track_id: int
    bbox: np.ndarray  # (4,) float32 x1, y1, x2, y2 of the latest sighting
    first_seen: float
    last_seen: float
    face_since: datetime  # wall-clock capture time since which the track shows its face
    identity: TrackIdentity
    best_face: BestFace | None = None  # kept only while it may become an unknown face
    # Sessions it was reported to as an unknown face (None: while no session ran).
    unknown_in: set[SessionId | None] = field(default_factory=set)
    misses: int = 0  # frames searched for this face since it was last found


MAX_MISSES = 2
MAX_AGE_CAP_S = 10.0


class CameraTracker:
    """Greedy IoU tracking: each new box continues the free track it overlaps most.

    Greedy on the highest overlaps first gives the same pairs as an optimal assignment
    whenever faces do not overlap each other, which is the classroom case; it is what the
    tracker needs at a few frames per second.

    A frame is not always searched whole: between full scans only some tracks' faces are
    looked for. An update says which (`searched`); only those may end for not being seen,
    the others are held as they were. Not thread-safe: the engine guards it.

    A track ends once its face was unseen for `track_max_age_s` *and* in more than
    `MAX_MISSES` frames searched for it (at most `MAX_AGE_CAP_S`): a camera analysed slowly
    (a machine over capacity) keeps its seated students' tracks, and so their identities,
    between its frames. Ending them on time alone made every slow frame a room of new faces
    to embed again, the work grew as the rate fell, and a machine past capacity collapsed
    (12 cameras on 2 cores: 0.3 analysed fps each, 366 ms of CPU per frame, 12 of 72 marked).
    """

    def __init__(self, config: PresenceConfig) -> None:
        self._config = config
        self._iou_threshold = config.iou_threshold
        self._max_age_s = config.track_max_age_s
        self._tracks: dict[int, Track] = {}
        self._next_id = 1
        self.last_update: float | None = None  # monotonic time of the latest frame
        self.last_scan: float | None = None  # monotonic time of the latest whole-frame search
        self.frames_since_scan = 0  # frames of this camera searched only in part since then
        # the small grey copy of the frame last scanned whole (recognizer.presence.motion)
        self.motion_reference: np.ndarray | None = None

    @property
    def tracks(self) -> list[Track]:
        return list(self._tracks.values())

    def get(self, track_id: int) -> Track | None:
        return self._tracks.get(track_id)

    def update(
        self,
        boxes: Sequence[np.ndarray],
        now: float,
        captured_at: datetime,
        searched: Collection[int] | None = None,
    ) -> list[Track]:
        """The track of each box (in the boxes' order) after ending tracks unseen too long.

        `searched`: the ids of the tracks whose faces this frame was searched for; None when
        the whole frame was."""
        self._expire(now, searched)
        self.last_update = now
        if searched is None:
            self.last_scan = now
            self.frames_since_scan = 0
        else:
            self.frames_since_scan += 1
        tracks = list(self._tracks.values())
        for known in tracks:
            if searched is None or known.track_id in searched:
                known.misses += 1  # cleared below for those found
        assigned: list[Track | None] = [None] * len(boxes)
        if tracks and boxes:
            overlaps = iou_matrix(np.stack(boxes), np.stack([t.bbox for t in tracks]))
            taken_boxes: set[int] = set()
            taken_tracks: set[int] = set()
            for flat in np.argsort(-overlaps, axis=None, kind="stable"):
                box_index, track_index = divmod(int(flat), len(tracks))
                if overlaps[box_index, track_index] < self._iou_threshold:
                    break
                if box_index in taken_boxes or track_index in taken_tracks:
                    continue
                taken_boxes.add(box_index)
                taken_tracks.add(track_index)
                assigned[box_index] = tracks[track_index]
        result = []
        for box, track in zip(boxes, assigned, strict=True):
            if track is None:
                track = Track(
                    self._next_id, box, now, now, captured_at, TrackIdentity(self._config)
                )
                self._tracks[track.track_id] = track
                self._next_id += 1
            track.bbox = np.asarray(box, np.float32)
            track.last_seen = now
            track.misses = 0
            result.append(track)
        return result

    def _expire(self, now: float, searched: Collection[int] | None) -> None:
        for track_id, track in list(self._tracks.items()):
            if searched is not None and track_id not in searched:
                continue
            unseen_s = now - track.last_seen
            if unseen_s > MAX_AGE_CAP_S or (
                unseen_s > self._max_age_s and track.misses >= MAX_MISSES
            ):
                del self._tracks[track_id]
