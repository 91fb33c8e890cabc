"""A fake webcam for Chromium: a .y4m (YUV4MPEG2, raw I420 frames) of an empty classroom, then
an enrolled student and a stranger, made from real photos of ../shared/faces.

Chromium plays the file from its first frame when the page opens the camera, at the file's
frame rate, and loops it; `student_first_frame` says which frame first shows the student
wholly in view, so a test can tell when the student appeared on the camera page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tests.web.scenes import head_of_lfw_photo, lfw_identities
from web.demo.scene import Actor, compose_scene, first_clear_view

SIZE = (640, 480)
FPS = 10
# Chromium's file capture reads 4:2:0 Y4M only; "C420jpeg" is its plain, centred-chroma form.
HEADER = "YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n"
ENROLMENT_PHOTOS = 2


@dataclass(frozen=True)
class CameraVideo:
    path: Path
    size: tuple[int, int]  # width, height
    fps: int
    frames: int
    student: str  # LFW identity: enrol from `student_photos`, shown by another photo
    student_photos: tuple[Path, ...]
    stranger: str | None  # LFW identity with a single photo: shown, never enrolled
    student_first_frame: int

    @property
    def student_first_s(self) -> float:
        """Seconds from the file's first frame to the student's first frame."""
        return self.student_first_frame / self.fps

    @property
    def student_name(self) -> str:
        return self.student.replace("_", " ")


def write_y4m(path: Path, frames: list[np.ndarray], fps: int) -> Path:
    """BGR frames (all of one even size) as an uncompressed 4:2:0 Y4M file."""
    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(HEADER.format(width=width, height=height, fps=fps).encode("ascii"))
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def build_camera_video(
    faces_dir: Path,
    out_path: Path,
    *,
    empty_s: float = 2.0,
    seconds: float = 8.0,
    with_stranger: bool = True,
    seed: int = 3,
) -> CameraVideo:
    """An empty room for `empty_s`, then a student (at least 3 photos: 2 to enrol, the last
    shown) on the left and, `with_stranger`, a stranger (a single photo) on the right until
    `seconds`: about 4.6 MB a second at 640x480 and 10 fps."""
    identities = lfw_identities(faces_dir)
    rng = np.random.default_rng(seed)
    student = str(rng.choice([n for n, paths in identities.items() if len(paths) >= 3]))
    stranger = str(rng.choice([n for n, paths in identities.items() if len(paths) == 1]))
    seats = [(student, 0.28)] + ([(stranger, 0.7)] if with_stranger else [])
    actors = [
        Actor(
            image=head_of_lfw_photo(faces_dir / identities[name][-1]),
            enter_s=empty_s,
            exit_s=seconds,
            start=(x, 0.5),
            end=(x + 0.02, 0.5),  # a little sway, as a seated person does
            height=0.6,
            name=name,
        )
        for name, x in seats
    ]
    frames = list(compose_scene(actors, SIZE, FPS, seconds=seconds, seed=seed))
    write_y4m(out_path, frames, FPS)
    first_seen = first_clear_view(actors[0], SIZE, FPS)
    assert first_seen is not None, "the student must be wholly in view"
    return CameraVideo(
        path=out_path,
        size=SIZE,
        fps=FPS,
        frames=len(frames),
        student=student,
        student_photos=tuple(faces_dir / p for p in identities[student][:ENROLMENT_PHOTOS]),
        stranger=stranger if with_stranger else None,
        student_first_frame=math.ceil(first_seen * FPS - 1e-9),
    )
