"""Deterministic classroom videos for measuring recognition, made from labelled real photos.

`make_classroom` seats students (enrolled from other photos than the one shown) and strangers
(never enrolled) in rows, lets them arrive one by one, films them through a slightly soft,
noisy camera and writes, beside the H.264 video, the roster to enrol and the attendance to
expect:

    clip = make_classroom(faces_dir, out_dir, LEVELS["hard"], analyzer=analyzer, seed=0)
    ...enrol clip.roster_csv, play clip.video as a camera...
    ...compare attendance with clip.expected_csv (students present, nobody else)...

Files in `out_dir`: classroom.mp4, roster.csv (identity,enrol_path: absolute photo paths),
expected.csv (identity,role,arrives_s; arrives_s empty for absentees) and classroom.json (the
level, the seats, each face's box at rest and the spans it is hidden after arriving).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from recognizer.analyzer import FaceAnalyzer
from web.demo.classroom_cast import ABSENT, STRANGER, STUDENT, CastPerson, cast_classroom
from web.demo.classroom_levels import LEVELS, ClassroomLevel
from web.demo.classroom_staging import Sitter, Staging, stage_classroom
from web.demo.classroom_visibility import Sightline, sightlines
from web.demo.errors import DemoError
from web.demo.scene import FrameFilter, write_scene

__all__ = ["LEVELS", "ClassroomClip", "ClassroomLevel", "camera_filter", "make_classroom"]

VIDEO, ROSTER, EXPECTED, LAYOUT = "classroom.mp4", "roster.csv", "expected.csv", "classroom.json"
_NOISE_MARGIN = 64  # the noise field is this much larger than a frame, to shift per frame


@dataclass(frozen=True)
class ClassroomClip:
    video: Path
    roster_csv: Path
    expected_csv: Path
    level: ClassroomLevel
    students: list[str]  # identities, enrolled and shown
    strangers: list[str]  # shown, never enrolled
    absentees: list[str]  # enrolled, never shown
    arrivals: dict[str, float]  # students and strangers -> arrives_s
    layout_json: Path  # the level, seats, face boxes and hidden spans


def make_classroom(
    faces_dir: Path,
    out_dir: Path,
    level: ClassroomLevel,
    *,
    analyzer: FaceAnalyzer,
    seed: int = 0,
) -> ClassroomClip:
    """Write a classroom video of `level` and its roster and expectations into `out_dir`.

    The same photos, analyzer, level and seed give the same people, seats, arrivals and
    frames (up to the encoder). `analyzer` only finds the faces in the source photos.
    Synchronous and CPU bound: the full "hard" level takes about 25 s on 2 cores."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cast = cast_classroom(
        faces_dir,
        analyzer,
        students=level.students,
        strangers=level.strangers,
        absentees=level.absentees,
        enrol_photos=level.enrol_photos,
        seed=seed,
    )
    shown = [person for person in cast if person.shown is not None]
    staging = stage_classroom(level, shown, seed)
    lines = sightlines(staging, level)
    if not level.occlusions and any(line.hidden_s for line in lines):
        raise DemoError(f"faces overlap in the {level.name} layout: its seats are too crowded")
    write_scene(
        out_dir / VIDEO,
        staging.actors,
        level.size,
        level.fps,
        seconds=level.seconds,
        seed=seed,
        crf=level.crf,
        post_filter=camera_filter(level, seed),
    )
    arrivals = {
        s.person.identity: line.arrives_s for s, line in zip(staging.sitters, lines, strict=True)
    }
    _write_roster(out_dir / ROSTER, cast)
    _write_expected(out_dir / EXPECTED, cast, arrivals)
    _write_layout(out_dir / LAYOUT, level, seed, cast, staging, lines)
    return ClassroomClip(
        video=out_dir / VIDEO,
        roster_csv=out_dir / ROSTER,
        expected_csv=out_dir / EXPECTED,
        layout_json=out_dir / LAYOUT,
        level=level,
        students=_with_role(cast, STUDENT),
        strangers=_with_role(cast, STRANGER),
        absentees=_with_role(cast, ABSENT),
        arrivals=arrivals,
    )


def camera_filter(level: ClassroomLevel, seed: int) -> FrameFilter | None:
    """The level's optics and sensor: a Gaussian defocus, then Gaussian noise that differs
    on every frame (a seeded shift of one large noise field: drawing 6 M normal numbers per
    1080p frame would take longer than composing and encoding it)."""
    if level.blur_sigma == 0.0 and level.noise_sigma == 0.0:
        return None
    width, height = level.size
    # The noise split into what it adds and what it takes away, as uint8: OpenCV's saturating
    # add and subtract then clip to 0..255 exactly like adding the signed noise would.
    gain = loss = None
    if level.noise_sigma > 0.0:
        rng = np.random.default_rng([seed, 0x0015E])
        shape = (height + _NOISE_MARGIN, width + _NOISE_MARGIN, 3)
        noise = np.rint(rng.normal(0.0, level.noise_sigma, shape))
        gain = np.clip(noise, 0, 255).astype(np.uint8)
        loss = np.clip(-noise, 0, 255).astype(np.uint8)

    def film(frame: np.ndarray, index: int) -> np.ndarray:
        if level.blur_sigma > 0.0:
            frame = cv2.GaussianBlur(frame, (0, 0), level.blur_sigma)
        if gain is None or loss is None:
            return frame
        dy, dx = np.random.default_rng([seed, index]).integers(0, _NOISE_MARGIN, size=2)
        window = (slice(dy, dy + height), slice(dx, dx + width))
        return cv2.subtract(cv2.add(frame, gain[window]), loss[window])

    return film


def _with_role(cast: list[CastPerson], role: str) -> list[str]:
    return [person.identity for person in cast if person.role == role]


def _write_roster(path: Path, cast: list[CastPerson]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identity", "enrol_path"])
        for person in cast:
            writer.writerows([person.identity, str(photo)] for photo in person.enrol)


def _write_expected(path: Path, cast: list[CastPerson], arrivals: dict[str, float]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identity", "role", "arrives_s"])
        for person in cast:
            arrives = arrivals.get(person.identity)
            writer.writerow(
                [person.identity, person.role, "" if arrives is None else f"{arrives:g}"]
            )


def _write_layout(
    path: Path,
    level: ClassroomLevel,
    seed: int,
    cast: list[CastPerson],
    staging: Staging,
    lines: list[Sightline],
) -> None:
    seated = {
        s.person.identity: _seat_json(s, line, level)
        for s, line in zip(staging.sitters, lines, strict=True)
    }
    people = [
        {
            "identity": person.identity,
            "role": person.role,
            "shown_path": None if person.shown is None else str(person.shown.path),
            "enrol_paths": [str(photo) for photo in person.enrol],
            **seated.get(person.identity, {}),
        }
        for person in cast
    ]
    layout = {"level": asdict(level), "seed": seed, "people": people}
    path.write_text(json.dumps(layout, indent=1) + "\n")


def _seat_json(sitter: Sitter, line: Sightline, level: ClassroomLevel) -> dict[str, Any]:
    """The seat and the face's box at rest (sway moves it up to head_motion_px)."""
    seat = sitter.seat
    x1, y1, x2, y2 = sitter.face
    centre_x, centre_y = (x1 + x2) / 2, (y1 + y2) / 2
    box = [seat.x + x1 - centre_x, seat.y + y1 - centre_y, seat.x + x2 - centre_x]
    box.append(seat.y + y2 - centre_y)
    return {
        "row": seat.row,
        "face_px": round(seat.face_px, 2),
        "face_box": [round(v, 1) for v in box],
        "arrives_s": line.arrives_s,
        "sits_s": sitter.sits_s,
        "hidden_s": [list(span) for span in line.hidden_s],
    }
