"""`rollcall evaluate video` on generated classrooms: the service's presence path marks the
students in the room, never a stranger or an absentee, and reports what it cost.

Each level is shortened (16 s, a smaller class) to keep the suite fast; the full levels are
measured by `rollcall bench classroom` (figures in README.md).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from recognizer.analyzer import FaceAnalyzer
from web.demo.classroom import ClassroomClip, make_classroom
from web.demo.classroom_levels import LEVELS, ClassroomLevel
from web.evaluation.outcome import EARLY_MARK_TOLERANCE_S
from web.evaluation.video_run import VideoReport, evaluate_video
from web.settings import Settings

pytestmark = pytest.mark.slow

CLASS = {"students": 12, "strangers": 4, "absentees": 2}


def short(level: str) -> ClassroomLevel:
    return dataclasses.replace(LEVELS[level].shortened(16.0), **CLASS)


@pytest.fixture(scope="module", params=["easy", "hard", "occluded"])
def room(
    request: pytest.FixtureRequest,
    faces_dir: Path,
    analyzer: FaceAnalyzer,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ClassroomClip, VideoReport]:
    clip = make_classroom(
        faces_dir, tmp_path_factory.mktemp(request.param), short(request.param), analyzer=analyzer
    )
    settings = Settings(_env_file=None)
    report = evaluate_video(clip.video, clip.roster_csv, clip.expected_csv, settings, None)
    return clip, report


def test_students_in_the_room_are_marked_once_and_nobody_else_ever(
    room: tuple[ClassroomClip, VideoReport],
) -> None:
    clip, report = room
    marked = [mark.identity for mark in report.marks]
    assert len(marked) == len(set(marked)) and report.outcome.duplicates == []
    assert set(marked) <= set(clip.students)
    assert not set(marked) & (set(clip.strangers) | set(clip.absentees))
    assert report.outcome.wrong_marks == []
    # Every student sits in view for several seconds; at most one of them may be a face whose
    # photos match each other too poorly at 30 px to clear the open-set rule.
    assert report.outcome.students_present >= len(clip.students) - 1
    assert report.outcome.students_expected == len(clip.students)


def test_a_mark_comes_after_the_student_walked_in_and_within_seconds(
    room: tuple[ClassroomClip, VideoReport],
) -> None:
    clip, report = room
    for mark in report.marks:
        # (a face half behind a seated classmate as they walk in may be named a moment early)
        assert mark.at_s >= clip.arrivals[mark.identity] - EARLY_MARK_TOLERANCE_S
    assert report.outcome.latency_max_s is not None and report.outcome.latency_max_s < 8.0


def test_the_report_counts_frames_faces_and_cpu_at_the_analysis_rate(
    room: tuple[ClassroomClip, VideoReport],
) -> None:
    clip, report = room
    figures = report.as_json()
    assert figures["frames"] == round(clip.level.seconds * 5)  # 5 analysed fps of 10 fps
    assert figures["analysis_fps"] == 5.0
    assert figures["cpu_ms_per_frame"] > 0 and figures["faces_per_frame"] > 0
    assert figures["refused_photos"] == []
    assert figures["settings"]["presence"]["aggregate_threshold"] > 0


def test_the_command_prints_the_report_as_its_last_line(
    room: tuple[ClassroomClip, VideoReport], tmp_path: Path
) -> None:
    clip, report = room
    if clip.level.name != "easy":
        pytest.skip("one run of the command is enough")
    done = evaluate_command(clip.video, clip.roster_csv, clip.expected_csv, "--analysis-fps", "5")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    for key in (
        "students_expected",
        "students_present",
        "students_missed",
        "wrong_marks",
        "duplicates",
        "latency_p50_s",
        "latency_p95_s",
        "latency_max_s",
        "unknown_faces",
        "frames",
        "cpu_ms_per_frame",
        "faces_per_frame",
        "settings",
    ):
        assert key in printed
    assert printed["students_present"] == report.outcome.students_present


def test_a_missing_video_or_broken_csv_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("identity,photo\n")
    (tmp_path / "expected.csv").write_text("identity,role,arrives_s\n")
    done = evaluate_command(
        tmp_path / "none.mp4", tmp_path / "roster.csv", tmp_path / "expected.csv"
    )
    assert done.returncode == 2
    assert "missing column(s) enrol_path" in done.stderr and "Traceback" not in done.stderr


def evaluate_command(
    video: Path, roster: Path, expected: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """`rollcall evaluate video` as a user runs it, in a process of its own."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "web.cli",
            "evaluate",
            "video",
            "--video",
            str(video),
            "--roster",
            str(roster),
            "--expected",
            str(expected),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
