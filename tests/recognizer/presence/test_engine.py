"""PresenceEngine on real models and real portraits: tracking saves embeddings, votes decide,
and each person's attendance is reported once per session, at the right status."""

from __future__ import annotations

import threading
import typing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from uuid import UUID

import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.detector import Detection
from recognizer.errors import ImageError
from recognizer.gallery import Gallery
from recognizer.presence.config import PresenceConfig
from recognizer.presence.context import ClassContext
from recognizer.presence.engine import PresenceEngine
from recognizer.presence.events import (
    OtherCourseSeen,
    PersonPresent,
    PersonSeen,
    PresenceEvent,
    PresenceUpdate,
    UnknownFace,
)
from recognizer.presence.frame import CameraFrame
from tests.ids import uid
from tests.recognizer.presence.conftest import Cast
from tests.recognizer.presence.scene import T0, Seat, frame, times

ANN, GRANT, JOHN = uid("Ann_Veneman"), uid("Grant_Hackett"), uid("John_Manley")  # enrolled
STRANGER = uid("Gordon_Brown")  # never enrolled
CAM, FRONT, BACK, HALLWAY = uid("cam"), uid("front"), uid("back"), uid("hallway")
S0, S1, S2 = uid("s0"), uid("s1"), uid("s2")
ROSTER = frozenset({ANN, GRANT})  # John is enrolled for another course


def context(session_id: UUID = S1, late_after_s: float = 600.0) -> ClassContext:
    return ClassContext(session_id, ROSTER, T0 + timedelta(seconds=late_after_s), T0)


def play(
    engine: PresenceEngine,
    clock: Iterable[float],
    scene: Callable[[float], list[CameraFrame]],
) -> list[PresenceUpdate]:
    """One process call per instant, over the frames the scene shows then."""
    return [engine.process(scene(t)) for t in clock]


def events_of(updates: list[PresenceUpdate], kind: type) -> list[PresenceEvent]:
    return [e for u in updates for e in u.events if isinstance(e, kind)]


@pytest.fixture
def engine(analyzer: FaceAnalyzer, gallery: Gallery) -> PresenceEngine:
    return PresenceEngine(analyzer, gallery, PresenceConfig())


def test_a_tracked_face_is_embedded_until_identified_then_only_at_the_recheck_rate(
    engine: PresenceEngine, cast: Cast
) -> None:
    seats = [Seat(cast.cutouts[ANN], 0)]
    updates = play(engine, times(30, 0.5), lambda t: [frame(CAM, t, seats)])
    # Votes at 0.0, 0.5 and 1.0 s identify her; the re-check is due 10 s later, at 11.0 s.
    assert [u.stats.embeddings for u in updates] == [1, 1, 1] + [0] * 19 + [1] + [0] * 7
    assert [u.boxes[CAM][0].label for u in updates[:4]] == ["voting"] * 2 + ["identified"] * 2
    assert {u.boxes[CAM][0].track_id for u in updates} == {1}
    assert updates[-1].boxes[CAM][0].person_id == ANN


def test_each_person_is_present_once_per_session_across_many_frames_and_two_cameras(
    engine: PresenceEngine, cast: Cast
) -> None:
    front = [Seat(cast.cutouts[ANN], 0), Seat(cast.cutouts[GRANT], 1)]
    back = [Seat(cast.cutouts[ANN], 2)]
    engine.set_context(FRONT, context())
    engine.set_context(BACK, context())
    updates = play(engine, times(12, 0.5), lambda t: [frame(FRONT, t, front), frame(BACK, t, back)])
    present = events_of(updates, PersonPresent)
    assert sorted(e.person_id for e in present) == [ANN, GRANT]
    assert all(e.status == "present" and e.session_id == S1 for e in present)
    assert all(e.score >= 0.35 for e in present)
    # A new session in the room reports them again.
    engine.set_context(FRONT, context(S2))
    again = play(engine, times(2, 0.5, start_s=6.0), lambda t: [frame(FRONT, t, front)])
    assert sorted(e.person_id for e in events_of(again, PersonPresent)) == [ANN, GRANT]


class ModelCalls:
    """The real analyzer, recording how many images each detector and embedder call got."""

    def __init__(self, analyzer: FaceAnalyzer) -> None:
        self._analyzer = analyzer
        self.detect_batches: list[int] = []
        self.embed_batches: list[int] = []
        self.looked_around: list[int] = []  # boxes looked around, per call

    def __getattr__(self, name: str) -> object:
        return getattr(self._analyzer, name)

    def scan(
        self, frames: Sequence[np.ndarray], max_size: tuple[int, int]
    ) -> list[list[Detection]]:
        self.detect_batches.append(len(frames))
        return self._analyzer.scan(frames, max_size)

    def embed_crops(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        self.embed_batches.append(len(crops))
        return self._analyzer.embed_crops(crops)

    def find_around(
        self, frames: Sequence[np.ndarray], boxes: Sequence[Sequence[np.ndarray]]
    ) -> list[list[Detection]]:
        self.looked_around.append(sum(len(b) for b in boxes))
        return self._analyzer.find_around(frames, boxes)


def test_a_newcomer_is_found_at_the_next_full_scan_and_settled_faces_cost_no_detection(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    calls = ModelCalls(analyzer)
    config = PresenceConfig(full_scan_interval_s=1.0, motion_gate=False)
    engine = PresenceEngine(typing.cast(FaceAnalyzer, calls), gallery, config)
    engine.set_context(CAM, context())
    ann, grant = Seat(cast.cutouts[ANN], 0), Seat(cast.cutouts[GRANT], 1)
    scans, updates = [], []
    for t in times(20, 0.2):  # 0.0 .. 3.8 s; Grant walks in at 1.2 s, between two scans
        before = len(calls.detect_batches)
        updates.append(engine.process([frame(CAM, t, [ann] + ([grant] if t >= 1.2 else []))]))
        if len(calls.detect_batches) > before:
            scans.append(round(t, 1))
    assert scans == [0.0, 1.0, 2.0, 3.0]
    present = {e.person_id: e for e in events_of(updates, PersonPresent)}
    assert set(present) == {ANN, GRANT}
    # Found within the scan interval of walking in: his first sighting is the 2.0 s scan.
    assert present[GRANT].seen_at == T0 + timedelta(seconds=2.0)
    # Between scans only faces still voting are looked for: once both are identified, the
    # frames between scans run no detector at all.
    settled = updates[16:]  # 3.2 .. 3.8 s
    assert [u.stats.faces_detected for u in settled] == [0] * 4
    assert [u.stats.embeddings for u in settled] == [0] * 4
    assert sum(calls.looked_around) > 0  # while they were voting, around them only
    # The camera page still sees both faces between scans, where they last were.
    assert {b.person_id for b in settled[-1].boxes[CAM]} == {ANN, GRANT}


def test_with_the_motion_gate_a_still_room_is_not_scanned_until_someone_comes_in(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    calls = ModelCalls(analyzer)
    config = PresenceConfig(full_scan_interval_s=1.0, quiet_scan_interval_s=3.0)
    engine = PresenceEngine(typing.cast(FaceAnalyzer, calls), gallery, config)
    engine.set_context(CAM, context())
    ann, grant = Seat(cast.cutouts[ANN], 0), Seat(cast.cutouts[GRANT], 1)
    scans, updates = [], []
    for t in times(40, 0.2):  # 0.0 .. 7.8 s; Grant walks in at 1.6 s
        before = len(calls.detect_batches)
        updates.append(engine.process([frame(CAM, t, [ann] + ([grant] if t >= 1.6 else []))]))
        if len(calls.detect_batches) > before:
            scans.append(round(t, 1))
    # The first frame is scanned; Ann sits still, so the scan due at 1.0 s is left out; Grant
    # coming in is movement, and the frame that shows him is scanned at once; then the room
    # is still again and only the quiet interval's scans run.
    assert scans == [0.0, 1.6, 4.6, 7.6]
    present = {e.person_id: e for e in events_of(updates, PersonPresent)}
    assert set(present) == {ANN, GRANT}
    assert present[GRANT].seen_at == T0 + timedelta(seconds=1.6)


def test_frames_of_two_cameras_share_one_detector_batch_and_one_embedder_batch(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    calls = ModelCalls(analyzer)
    engine = PresenceEngine(typing.cast(FaceAnalyzer, calls), gallery, PresenceConfig())
    front = [Seat(cast.cutouts[ANN], 0), Seat(cast.cutouts[GRANT], 1)]
    back = [Seat(cast.cutouts[JOHN], 2)]
    update = engine.process([frame(FRONT, 0.0, front), frame(BACK, 0.0, back)])
    assert (calls.detect_batches, calls.embed_batches) == ([2], [3])
    assert (update.stats.frames, update.stats.detect_batch) == (2, 2)
    assert update.stats.faces_detected == 3
    assert update.stats.embed_batch == update.stats.embeddings == 3
    assert update.stats.matched == 3 and update.stats.unknown == 0
    assert update.stats.detect_seconds > 0 and update.stats.embed_seconds > 0
    assert {cam: len(boxes) for cam, boxes in update.boxes.items()} == {FRONT: 2, BACK: 1}


def test_a_student_first_seen_after_late_after_is_late(engine: PresenceEngine, cast: Cast) -> None:
    ann = Seat(cast.cutouts[ANN], 0)
    grant = Seat(cast.cutouts[GRANT], 1)
    engine.set_context(CAM, context(late_after_s=4.5))
    updates = play(
        engine, times(14, 0.5), lambda t: [frame(CAM, t, [ann] + ([grant] if t >= 4.0 else []))]
    )
    # Ann walked in at the start, Grant at 4 s: voting took him past late_after (4.5 s), but
    # lateness counts from when his face first appeared.
    by_person = {e.person_id: e for e in events_of(updates, PersonPresent)}
    assert by_person[ANN].status == "present" and by_person[ANN].seen_at == T0
    assert by_person[GRANT].status == "present"
    assert by_person[GRANT].seen_at == T0 + timedelta(seconds=4.0)
    assert by_person[GRANT].captured_monotonic > by_person[ANN].captured_monotonic

    # A session that starts while they already sit in the room counts them from its start.
    starts = T0 + timedelta(seconds=7.0)
    engine.set_context(CAM, ClassContext(S2, ROSTER, starts + timedelta(seconds=1), starts))
    next_session = play(engine, times(2, 0.5, start_s=7.0), lambda t: [frame(CAM, t, [ann, grant])])
    assert {(e.status, e.seen_at) for e in events_of(next_session, PersonPresent)} == {
        ("present", starts)
    }


def test_a_student_who_walks_in_after_late_after_is_late(
    engine: PresenceEngine, cast: Cast
) -> None:
    grant = Seat(cast.cutouts[GRANT], 1)
    engine.set_context(CAM, context(late_after_s=5.0))
    updates = play(engine, times(4, 0.5, start_s=6.0), lambda t: [frame(CAM, t, [grant])])
    (event,) = events_of(updates, PersonPresent)
    assert event.status == "late" and event.seen_at == T0 + timedelta(seconds=6.0)


def test_a_stranger_is_never_present_and_is_reported_once_as_an_unknown_face(
    engine: PresenceEngine, cast: Cast
) -> None:
    seats = [Seat(cast.cutouts[STRANGER], 1)]
    engine.set_context(CAM, context())
    updates = play(engine, times(24, 0.5), lambda t: [frame(CAM, t, seats)])
    (unknown,) = events_of(updates, UnknownFace)
    assert unknown.session_id == S1 and unknown.track_id == 1
    assert unknown.seen_at == T0 + timedelta(seconds=3.5)  # the 8th usable embedding
    assert [e for u in updates for e in u.events if not isinstance(e, UnknownFace)] == []
    assert sum(u.stats.embeddings for u in updates) == 8  # then only at the re-check rate
    assert sum(u.stats.matched for u in updates) == 0
    assert [u.boxes[CAM][0].label for u in updates[5:8]] == ["voting", "voting", "unknown"]


def test_a_stranger_who_steps_out_and_comes_back_is_still_one_unknown_face_of_the_session(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    # Scanned every second (no motion gate, by time alone), so their track ends while out.
    config = PresenceConfig(motion_gate=False, scan_min_frames=1)
    engine = PresenceEngine(analyzer, gallery, config)
    seats = [Seat(cast.cutouts[STRANGER], 1)]
    engine.set_context(CAM, context())
    # In view 0-6 s, out for 3 s (their track ends), back from 9 s as a new track.
    updates = play(
        engine, times(32, 0.5), lambda t: [frame(CAM, t, seats if not 6.0 <= t < 9.0 else [])]
    )
    (unknown,) = events_of(updates, UnknownFace)
    assert unknown.track_id == 1
    tracks = {box.track_id for u in updates for box in u.boxes.get(CAM, [])}
    assert len(tracks) == 2  # two tracks, one face
    # The next session in the room counts them again: each session has its own unknown faces.
    engine.set_context(CAM, context(S2))
    again = play(engine, times(2, 0.5, start_s=16.0), lambda t: [frame(CAM, t, seats)])
    assert [e.session_id for e in events_of(again, UnknownFace)] == [S2]


def test_an_enrolled_student_of_another_course_is_reported_as_such_never_present(
    engine: PresenceEngine, cast: Cast
) -> None:
    seats = [Seat(cast.cutouts[JOHN], 0)]
    engine.set_context(CAM, context())
    updates = play(engine, times(8, 0.5), lambda t: [frame(CAM, t, seats)])
    (other,) = events_of(updates, OtherCourseSeen)
    assert other.person_id == JOHN and other.session_id == S1
    assert events_of(updates, PersonPresent) == events_of(updates, PersonSeen) == []
    assert updates[-1].boxes[CAM][0].label == "other_course"


def test_without_a_class_context_faces_are_identified_for_the_camera_page_but_not_attended(
    engine: PresenceEngine, cast: Cast
) -> None:
    seats = [Seat(cast.cutouts[ANN], 0), Seat(cast.cutouts[STRANGER], 2)]
    updates = play(engine, times(10, 0.5), lambda t: [frame(CAM, t, seats)])
    assert [type(e) for u in updates for e in u.events] == [UnknownFace]
    assert events_of(updates, UnknownFace)[0].session_id is None
    labels = {box.person_id: box.label for box in updates[-1].boxes[CAM]}
    assert labels == {ANN: "identified", None: "unknown"}
    # A session starting in the room reports the student already identified on the next
    # frame, without embedding her again, and counts the stranger sitting there among its
    # unknown faces, once.
    engine.set_context(CAM, context())
    update, later = play(engine, [5.0, 5.5], lambda t: [frame(CAM, t, seats)])
    assert update.stats.embeddings == 0
    (present,) = [e for e in update.events if isinstance(e, PersonPresent)]
    (unknown,) = [e for e in update.events if isinstance(e, UnknownFace)]
    assert present.person_id == ANN and len(update.events) == 2
    assert (unknown.session_id, unknown.track_id) == (
        S1,
        events_of(updates, UnknownFace)[0].track_id,
    )
    assert later.events == []


def test_a_stranger_counted_before_the_session_brings_a_kept_face_to_it(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    engine = PresenceEngine(analyzer, gallery, PresenceConfig(keep_unknown_faces=True))
    seats = [Seat(cast.cutouts[STRANGER], 1)]
    before = play(engine, times(8, 0.5), lambda t: [frame(CAM, t, seats)])
    assert [e.session_id for e in events_of(before, UnknownFace)] == [None]
    engine.set_context(CAM, context())
    (update,) = play(engine, [4.0], lambda t: [frame(CAM, t, seats)])
    (reported,) = update.events
    assert isinstance(reported, UnknownFace) and reported.session_id == S1
    assert reported.face is not None and reported.face.shape == (112, 112, 3)


def test_an_erased_person_is_dropped_from_tracks_and_votes(
    engine: PresenceEngine, gallery: Gallery, cast: Cast
) -> None:
    seats = [Seat(cast.cutouts[ANN], 0)]
    engine.set_context(CAM, context())
    before = play(engine, times(4, 0.5), lambda t: [frame(CAM, t, seats)])
    assert len(events_of(before, PersonPresent)) == 1
    gallery.remove_person(ANN)
    engine.forget_person(ANN)
    after = play(engine, times(10, 0.5, start_s=2.0), lambda t: [frame(CAM, t, seats)])
    assert all(box.person_id is None for u in after for box in u.boxes[CAM])
    assert [type(e) for u in after for e in u.events] == [UnknownFace]


def test_an_erased_person_is_not_voted_again_while_the_gallery_still_holds_them(
    engine: PresenceEngine, gallery: Gallery, cast: Cast
) -> None:
    seats = [Seat(cast.cutouts[ANN], 0)]
    engine.set_context(CAM, context())
    # The web layer erases from the engine first and from the gallery a moment later.
    engine.forget_person(ANN)
    meanwhile = play(engine, times(4, 0.5), lambda t: [frame(CAM, t, seats)])
    gallery.remove_person(ANN)
    after = play(engine, times(2, 0.5, start_s=2.0), lambda t: [frame(CAM, t, seats)])
    assert all(box.person_id is None for u in meanwhile + after for box in u.boxes[CAM])
    assert events_of(meanwhile + after, PersonPresent) == []
    # Once the gallery let her go, enrolling her again makes her recognisable again.
    gallery.add(ANN, [t for t in cast.templates if t.person_id == ANN])
    engine.forget_camera(CAM)
    engine.set_context(CAM, context())
    again = play(engine, times(3, 0.5, start_s=3.0), lambda t: [frame(CAM, t, seats)])
    assert [e.person_id for e in events_of(again, PersonPresent)] == [ANN]


def test_people_already_reported_are_not_reported_again_but_their_last_seen_is_refreshed(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    # scanned every second (no motion gate, by time alone): each scan may refresh
    config = PresenceConfig(seen_refresh_s=2.0, motion_gate=False, scan_min_frames=1)
    engine = PresenceEngine(analyzer, gallery, config)
    seats = [Seat(cast.cutouts[ANN], 0)]
    engine.mark_reported(S1, [ANN])
    engine.set_context(CAM, context())
    updates = play(engine, times(20, 0.5), lambda t: [frame(CAM, t, seats)])
    assert events_of(updates, PersonPresent) == []
    seen = [e.seen_at - T0 for e in events_of(updates, PersonSeen)]
    assert seen == [timedelta(seconds=s) for s in (1.0, 3.0, 5.0, 7.0, 9.0)]


def test_a_different_face_in_an_identified_track_is_caught_at_the_recheck(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    engine = PresenceEngine(analyzer, gallery, PresenceConfig(recheck_interval_s=3.0))
    engine.set_context(CAM, context())
    ann, grant = Seat(cast.cutouts[ANN], 0), Seat(cast.cutouts[GRANT], 0)
    # Grant takes Ann's place between two frames: the box barely moves, the track goes on.
    updates = play(engine, times(14, 0.5), lambda t: [frame(CAM, t, [ann if t < 2.0 else grant])])
    assert {u.boxes[CAM][0].track_id for u in updates} == {1}
    # Until the re-check at 4.0 s the track still says Ann (the interval bounds that)...
    assert updates[7].boxes[CAM][0].person_id == ANN
    # ...then it votes again and finds Grant.
    assert updates[-1].boxes[CAM][0].person_id == GRANT
    present = events_of(updates, PersonPresent)
    assert [(e.person_id, e.seen_at - T0) for e in present] == [
        (ANN, timedelta(0)),
        (GRANT, timedelta(seconds=4.0)),
    ]


def test_a_forgotten_camera_starts_over_with_new_tracks(engine: PresenceEngine, cast: Cast) -> None:
    seats = [Seat(cast.cutouts[ANN], 0)]
    play(engine, times(3, 0.5), lambda t: [frame(CAM, t, seats)])
    engine.forget_camera(CAM)
    update = engine.process([frame(CAM, 1.5, seats)])
    assert update.stats.embeddings == 1
    assert update.boxes[CAM][0].label == "voting"


def test_a_camera_silent_for_a_minute_is_let_go_as_if_forgotten(
    engine: PresenceEngine, cast: Cast
) -> None:
    ann, grant = [Seat(cast.cutouts[ANN], 0)], [Seat(cast.cutouts[GRANT], 1)]
    engine.process([frame(FRONT, 0.0, ann), frame(BACK, 0.0, grant)])
    engine.process([frame(FRONT, 61.0, ann)])  # the back camera stopped, nobody said so
    update = engine.process([frame(BACK, 62.0, grant)])
    assert [(box.track_id, box.label) for box in update.boxes[BACK]] == [(1, "voting")]
    assert update.stats.embeddings == 1


def test_only_the_best_faces_up_to_the_limit_are_followed(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    engine = PresenceEngine(analyzer, gallery, PresenceConfig(max_faces_per_frame=1))
    seats = [Seat(cast.cutouts[ANN], 0), Seat(cast.cutouts[GRANT], 2)]
    update = engine.process([frame(CAM, 0.0, seats)])
    assert update.stats.faces_detected == 1 and len(update.boxes[CAM]) == 1


def test_the_web_layer_may_set_contexts_from_other_threads_while_frames_are_processed(
    engine: PresenceEngine, cast: Cast
) -> None:
    seats = [Seat(cast.cutouts[ANN], 0)]
    stop = threading.Event()

    def web_layer() -> int:
        calls = 0
        while not stop.is_set() and calls < 100_000:
            engine.set_context(CAM, context())  # the same session again: nothing is lost
            engine.set_context(HALLWAY, None)
            engine.mark_reported(S0, [GRANT])
            engine.forget_person(uid("nobody enrolled"))
            calls += 1
        return calls

    with ThreadPoolExecutor(max_workers=1) as pool:
        calls = pool.submit(web_layer)
        updates = play(engine, times(8, 0.5), lambda t: [frame(CAM, t, seats)])
        stop.set()
        assert calls.result(timeout=60) > 0
    assert [e.person_id for e in events_of(updates, PersonPresent)] == [ANN]


def test_a_batch_with_a_frame_that_is_no_image_fails_whole_and_changes_nothing(
    engine: PresenceEngine, cast: Cast
) -> None:
    seats = [Seat(cast.cutouts[ANN], 0)]
    grey = CameraFrame(CAM, np.zeros((480, 640), np.uint8), T0, 5_000.0)
    with pytest.raises(ImageError, match="HxWx3 BGR uint8"):
        engine.process([frame(CAM, 0.0, seats), grey])
    update = engine.process([frame(CAM, 0.0, seats)])
    assert update.boxes[CAM][0].track_id == 1 and update.stats.embeddings == 1


def test_a_camera_analysed_slower_than_asked_is_scanned_every_few_frames_not_every_frame(
    analyzer: FaceAnalyzer, gallery: Gallery, cast: Cast
) -> None:
    # An overloaded machine reaches this camera every 1.5 s: scanning by time alone would
    # scan every frame; five frames between scans keeps four of five cheap, and the seated
    # student is still identified and marked.
    calls = ModelCalls(analyzer)
    config = PresenceConfig(motion_gate=False)
    engine = PresenceEngine(typing.cast(FaceAnalyzer, calls), gallery, config)
    engine.set_context(CAM, context())
    ann = [Seat(cast.cutouts[ANN], 0, drift_px=0.5)]
    scans, updates = [], []
    for t in times(11, 1.5):
        before = len(calls.detect_batches)
        updates.append(engine.process([frame(CAM, t, ann)]))
        if len(calls.detect_batches) > before:
            scans.append(t)
    assert scans == [0.0, 7.5, 15.0]
    assert [e.person_id for e in events_of(updates, PersonPresent)] == [ANN]
