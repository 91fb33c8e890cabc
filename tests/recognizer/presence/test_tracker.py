"""CameraTracker: the same face across frames keeps its track; tracks end when unseen."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from recognizer.presence.config import PresenceConfig
from recognizer.presence.tracker import MAX_AGE_CAP_S, CameraTracker

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def box(x: float, y: float, side: float = 60.0) -> np.ndarray:
    return np.array([x, y, x + side, y + side], np.float32)


def tracker(**overrides: float) -> CameraTracker:
    return CameraTracker(PresenceConfig(**overrides))


def test_a_face_that_moves_a_little_keeps_its_track_and_new_faces_get_new_ids() -> None:
    tracks = tracker()
    first = tracks.update([box(0, 0), box(200, 0)], 0.0, AT)
    second = tracks.update([box(205, 3), box(6, 2), box(400, 0)], 0.2, AT)
    assert [t.track_id for t in first] == [1, 2]
    assert [t.track_id for t in second] == [2, 1, 3]
    assert second[0].first_seen == 0.0 and second[0].last_seen == 0.2
    np.testing.assert_allclose(second[0].bbox, box(205, 3))


def test_boxes_overlapping_less_than_the_threshold_start_new_tracks() -> None:
    tracks = tracker(iou_threshold=0.5)
    old = tracks.update([box(0, 0)], 0.0, AT)[0]
    moved = tracks.update([box(25, 0)], 0.1, AT)[0]  # IoU 35/85 = 0.41
    assert moved.track_id != old.track_id


def test_each_track_continues_at_most_one_box_the_best_overlapping_one() -> None:
    tracks = tracker()
    tracks.update([box(0, 0)], 0.0, AT)
    near, far = tracks.update([box(2, 0), box(12, 0)], 0.1, AT)
    assert near.track_id == 1 and far.track_id == 2


def test_a_track_unseen_longer_than_its_max_age_and_in_two_searched_frames_ends() -> None:
    tracks = tracker(track_max_age_s=1.0)
    tracks.update([box(0, 0)], 0.0, AT)
    assert tracks.update([box(0, 0)], 1.0, AT)[0].track_id == 1  # exactly at the limit
    tracks.update([], 1.5, AT)
    tracks.update([], 1.8, AT)
    assert tracks.update([box(0, 0)], 2.01, AT)[0].track_id == 2
    assert [t.track_id for t in tracks.tracks] == [2]


def test_a_camera_analysed_slowly_keeps_a_seated_face_s_track_between_its_frames() -> None:
    # An overloaded machine reaches this camera every 3 s: far past track_max_age_s, yet the
    # face was found in every frame, so it is the same face (and keeps its identity).
    tracks = tracker(track_max_age_s=1.5)
    seated = [tracks.update([box(100, 50)], 3.0 * n, AT)[0].track_id for n in range(4)]
    assert seated == [1, 1, 1, 1]


def test_a_slowly_analysed_face_missed_in_two_frames_ends() -> None:
    tracks = tracker(track_max_age_s=1.5)
    tracks.update([box(100, 50)], 0.0, AT)
    tracks.update([], 3.0, AT)
    assert tracks.update([box(100, 50)], 6.0, AT)[0].track_id == 1  # one miss: kept
    tracks.update([], 9.0, AT)
    tracks.update([], 12.0, AT)
    assert tracks.update([box(100, 50)], 15.0, AT)[0].track_id == 2


def test_a_camera_silent_for_over_ten_seconds_starts_its_tracks_afresh() -> None:
    tracks = tracker(track_max_age_s=1.5)
    tracks.update([box(100, 50)], 0.0, AT)
    assert tracks.update([box(100, 50)], MAX_AGE_CAP_S + 0.5, AT)[0].track_id == 2


def test_a_frame_searched_only_around_some_tracks_ends_none_of_the_others() -> None:
    tracks = tracker(track_max_age_s=1.0)
    followed, held = tracks.update([box(0, 0), box(300, 0)], 0.0, AT)
    assert tracks.last_scan == 0.0
    # Partial looks around the followed face only: the held one is kept however long it goes
    # unsearched; the followed one ends once searched and not found for long enough.
    tracks.update([box(2, 0)], 0.6, AT, searched={followed.track_id})
    tracks.update([], 1.0, AT, searched={followed.track_id})
    tracks.update([], 1.3, AT, searched={followed.track_id})
    tracks.update([], 1.7, AT, searched={followed.track_id})
    assert [t.track_id for t in tracks.tracks] == [held.track_id]
    assert tracks.last_scan == 0.0
    # Whole-frame searches may end it: once it was missed in two of them.
    tracks.update([], 1.8, AT)
    tracks.update([], 2.0, AT)
    assert [t.track_id for t in tracks.tracks] == [held.track_id]
    tracks.update([], 2.2, AT)
    assert tracks.tracks == [] and tracks.last_scan == 2.2
