"""Generated classroom videos for measuring recognition: who is in them and in which role, from
which photos they are enrolled, where they sit and from when, and what a real detector sees.

The clips are short variants of the levels (the same crowd, rows and face sizes, fewer
seconds), written to pytest's temporary folders: nothing generated stays in the project.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from web.cli import main
from web.demo.classroom import LEVELS, ClassroomClip, ClassroomLevel, make_classroom
from web.demo.errors import DemoError

# Sixteen seconds leave the level's fifty people more than a frame apart as they arrive.
HARD = LEVELS["hard"].shortened(16.0)


def small(level: ClassroomLevel, seconds: float = 8.0) -> ClassroomLevel:
    """A few people only: for what does not need the whole crowd."""
    return replace(level.shortened(seconds), students=6, strangers=3, absentees=1)


@pytest.fixture(scope="module")
def hard(
    faces_dir: Path, analyzer: FaceAnalyzer, tmp_path_factory: pytest.TempPathFactory
) -> ClassroomClip:
    return make_classroom(faces_dir, tmp_path_factory.mktemp("hard"), HARD, analyzer=analyzer)


def rows_of(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or ()), list(reader)


def layout(clip: ClassroomClip) -> dict[str, Any]:
    return json.loads(clip.layout_json.read_text())


def frame_at(clip: ClassroomClip, t: float) -> np.ndarray:
    wanted = round(t * clip.level.fps)
    with av.open(str(clip.video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index == wanted:
                return frame.to_ndarray(format="bgr24")
    raise AssertionError(f"no frame at {t} s")


def iou(a: np.ndarray, b: np.ndarray) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_every_level_seats_everyone_for_20_s_and_hard_is_a_crowded_1080p_back_row() -> None:
    for level in LEVELS.values():
        assert 40.0 <= level.seconds <= 60.0 and level.fps == 10
        assert level.arrivals_s[1] <= 0.5 * level.seconds
        assert level.seconds - level.arrivals_s[1] >= 20.0
    hard = LEVELS["hard"]
    assert hard.size == (1920, 1080)
    assert (hard.students, hard.strangers, hard.absentees) == (40, 10, 4)
    assert hard.rows == 5 and hard.face_px == (28.0, 40.0) and hard.crf == 28
    assert 0.8 <= hard.blur_sigma <= 1.0 and hard.noise_sigma == 4.0
    assert LEVELS["occluded"] == replace(hard, name="occluded", occlusions=True)
    assert not any(level.occlusions for name, level in LEVELS.items() if name != "occluded")

    short = hard.shortened(9.0)
    assert short.seconds == 9.0 and short.arrivals_s == pytest.approx((0.4, 4.0))
    with pytest.raises(DemoError):
        replace(hard, seconds=15.0)  # its people would arrive after the clip has ended


@pytest.mark.slow
def test_students_strangers_and_absentees_are_different_people_counted_as_the_level_says(
    hard: ClassroomClip,
) -> None:
    assert (len(hard.students), len(hard.strangers), len(hard.absentees)) == (40, 10, 4)
    everyone = hard.students + hard.strangers + hard.absentees
    assert len(set(everyone)) == len(everyone)

    header, expected = rows_of(hard.expected_csv)
    assert header == ["identity", "role", "arrives_s"]
    roles = {row["identity"]: row["role"] for row in expected}
    assert roles == {
        **dict.fromkeys(hard.students, "student"),
        **dict.fromkeys(hard.strangers, "stranger"),
        **dict.fromkeys(hard.absentees, "absent"),
    }
    assert len(expected) == len(everyone)

    header, roster = rows_of(hard.roster_csv)
    assert header == ["identity", "enrol_path"]
    enrolled = {row["identity"] for row in roster}
    assert enrolled == set(hard.students) | set(hard.absentees)
    for identity in enrolled:
        photos = [row["enrol_path"] for row in roster if row["identity"] == identity]
        assert 1 <= len(photos) <= hard.level.enrol_photos


@pytest.mark.slow
def test_nobody_is_enrolled_from_the_photo_the_video_shows_and_every_photo_is_theirs(
    hard: ClassroomClip, faces_dir: Path
) -> None:
    _, labels = rows_of(faces_dir / "labels.csv")
    owner = {str((faces_dir / row["path"]).resolve()): row["identity"] for row in labels}
    _, roster = rows_of(hard.roster_csv)
    enrol_paths = {row["enrol_path"] for row in roster}
    for row in roster:
        path = Path(row["enrol_path"])
        assert path.is_absolute() and path.is_file()
        assert owner[str(path)] == row["identity"]

    people = layout(hard)["people"]
    shown = {p["identity"]: p["shown_path"] for p in people if p["role"] != "absent"}
    assert set(shown) == set(hard.students) | set(hard.strangers)
    for identity, path in shown.items():
        assert owner[path] == identity
        assert path not in enrol_paths
    assert all(p["shown_path"] is None for p in people if p["role"] == "absent")


@pytest.mark.slow
def test_people_arrive_one_by_one_within_the_levels_window_and_absentees_never(
    hard: ClassroomClip,
) -> None:
    level = hard.level
    assert set(hard.arrivals) == set(hard.students) | set(hard.strangers)
    seated = {p["identity"]: p for p in layout(hard)["people"] if p["role"] != "absent"}
    sits = sorted(p["sits_s"] for p in seated.values())
    assert len(set(sits)) == len(sits)  # staggered: nobody sits down on the same frame
    half_frame = 0.5 / level.fps
    assert level.arrivals_s[0] - half_frame <= sits[0]
    assert sits[-1] <= level.arrivals_s[1] + half_frame
    # A person arrives when their face is first seen: walking in (up to two seconds before
    # sitting down) or, at the latest, sitting down.
    for identity, arrives in hard.arrivals.items():
        assert seated[identity]["sits_s"] - 2.0 - half_frame <= arrives
        assert arrives <= seated[identity]["sits_s"] + half_frame
    # The seeded order mixes strangers in among the students.
    order = sorted(hard.arrivals, key=hard.arrivals.__getitem__)
    assert set(order[: len(order) // 2]) & set(hard.strangers)

    _, expected = rows_of(hard.expected_csv)
    for row in expected:
        if row["role"] == "absent":
            assert row["arrives_s"] == ""
        else:
            assert float(row["arrives_s"]) == pytest.approx(hard.arrivals[row["identity"]])
    # Without occlusions, nobody's face is hidden once they have sat down.
    assert all(p.get("hidden_s", []) == [] for p in layout(hard)["people"])


@pytest.mark.slow
def test_the_video_is_h264_at_the_levels_size_with_a_keyframe_every_second(
    hard: ClassroomClip,
) -> None:
    with av.open(str(hard.video)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == hard.level.size
        keyframes = [i for i, frame in enumerate(container.decode(video=0)) if frame.key_frame]
    assert keyframes == list(range(0, hard.level.frames, hard.level.fps))


@pytest.mark.slow
def test_a_real_detector_finds_every_seated_face_at_its_seat_at_the_levels_face_size(
    hard: ClassroomClip,
) -> None:
    level = hard.level
    detector = FaceAnalyzer.from_config(RecognizerConfig(det_size=(1920, 1088)))
    frame = frame_at(hard, level.arrivals_s[1] + 1.0)
    detections = detector.detect([frame])[0]
    seated = [p for p in layout(hard)["people"] if p["role"] != "absent"]
    assert len(seated) == 50

    low, high = 0.85 * level.face_px[0], 1.15 * level.face_px[1]
    ratios = []
    for person in seated:
        seat = np.array(person["face_box"])
        best = max(detections, key=lambda d: iou(d.bbox, seat))
        assert iou(best.bbox, seat) >= 0.5, person["identity"]
        width = float(best.bbox[2] - best.bbox[0])
        assert low <= width <= high, (person["identity"], width)
        ratios.append(width / person["face_px"])
    # The box found in the frame is the one found in the photo, scaled: a few pixels either
    # way on a face (SCRFD's boxes are not exactly scale-invariant), none on average.
    assert min(ratios) >= 0.8 and max(ratios) <= 1.3
    assert float(np.median(ratios)) == pytest.approx(1.0, abs=0.06)
    # Nothing else looks like a face: the photos' bystanders are painted over.
    assert len(detections) == len(seated)


@pytest.mark.slow
def test_the_same_seed_makes_the_same_classroom_and_another_seed_other_people(
    faces_dir: Path, analyzer: FaceAnalyzer, tmp_path: Path
) -> None:
    level = small(LEVELS["easy"], seconds=4.0)
    first = make_classroom(faces_dir, tmp_path / "a", level, analyzer=analyzer, seed=5)
    again = make_classroom(faces_dir, tmp_path / "b", level, analyzer=analyzer, seed=5)
    other = make_classroom(faces_dir, tmp_path / "c", level, analyzer=analyzer, seed=6)

    for name in ("roster_csv", "expected_csv", "layout_json"):
        assert getattr(first, name).read_bytes() == getattr(again, name).read_bytes()
    assert first.arrivals == again.arrivals
    t = level.arrivals_s[1] + 0.5
    difference = np.abs(frame_at(first, t).astype(int) - frame_at(again, t).astype(int))
    assert difference.mean() < 0.5  # noise from a seeded generator; only the encoder may vary
    assert set(other.students) != set(first.students)


@pytest.mark.slow
def test_in_the_occluded_level_faces_are_covered_for_a_while_only_after_everyone_arrived(
    faces_dir: Path, analyzer: FaceAnalyzer, tmp_path: Path
) -> None:
    level = replace(LEVELS["occluded"].shortened(10.0), students=12, strangers=3, absentees=1)
    clip = make_classroom(faces_dir, tmp_path, level, analyzer=analyzer, seed=1)
    people = [p for p in layout(clip)["people"] if p["role"] != "absent"]
    last_arrival = max(clip.arrivals.values())

    hidden = [p for p in people if p["hidden_s"]]
    assert len(hidden) >= len(people) // 3
    for person in hidden:
        for start, end in person["hidden_s"]:
            assert last_arrival < start < end <= level.seconds
    # Some are covered for seconds (a book, a hand, a leaning neighbour), not just a frame.
    assert any(end - start >= 1.5 for p in hidden for start, end in p["hidden_s"])


def test_a_level_too_crowded_for_its_faces_is_refused_rather_than_drawn_face_over_face(
    faces_dir: Path, analyzer: FaceAnalyzer, tmp_path: Path
) -> None:
    crowded = replace(small(LEVELS["easy"], 4.0), rows=1, face_px=(150.0, 160.0))
    with pytest.raises(DemoError, match="crowded"):
        make_classroom(faces_dir, tmp_path, crowded, analyzer=analyzer)
    assert not (tmp_path / "classroom.mp4").exists()


@pytest.mark.slow
def test_the_command_writes_a_short_clip_and_prints_its_paths_and_counts_as_json(
    faces_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "easy"
    command = ["evaluate", "make-classroom", "--level", "easy", "--out", str(out)]
    code = main([*command, "--faces", str(faces_dir), "--seed", "3", "--seconds", "4"])
    assert code == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (result["students"], result["strangers"], result["absentees"]) == (24, 4, 2)
    assert result["level"] == "easy" and result["seconds"] == 4.0
    for key in ("video", "roster_csv", "expected_csv", "layout_json"):
        assert Path(result[key]).parent == out and Path(result[key]).is_file()
