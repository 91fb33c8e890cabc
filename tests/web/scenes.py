"""Classroom clips for end-to-end tests, made from the real photos of ../shared/faces.

`build_classroom_clip` picks LFW identities of labels.csv: students, enrolled from two photos
each and shown in the clip by a third, and strangers who are shown but never enrolled. It
writes an H.264 clip of them arriving in a classroom and says when each face is first fully
in view, so a test can measure the time from appearance to attendance event.

    clip = build_classroom_clip(faces_dir, tmp_path / "class.mp4")
    for identity, photos in {**clip.enrolled, **clip.absent}.items(): ...enrol them...
    ...play clip.path as a camera...
    assert present == set(clip.students)  # never clip.strangers, never clip.absent
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognizer.evaluation import read_identities
from recognizer.images import load_image
from web.demo.scene import Actor, first_clear_view, write_scene
from web.demo.staging import stage_actors

LFW_SIDE = 250
# LFW photos are 250x250 with the face centred (SCRFD boxes span about x 75-185, y 55-195);
# this window holds the head and keeps out most bystanders at the photo's sides.
_HEAD = (slice(30, 220), slice(55, 195))
ENROLMENT_PHOTOS = 2


@dataclass(frozen=True)
class ClassroomClip:
    path: Path
    size: tuple[int, int]  # width, height
    fps: int
    seconds: float
    enrolled: dict[str, tuple[Path, ...]]  # student identity -> enrolment photos (absolute)
    absent: dict[str, tuple[Path, ...]]  # enrol these too: on the roster, never in the clip
    shown: dict[str, Path]  # every identity in the clip -> the photo shown (not enrolled)
    students: tuple[str, ...]  # enrolled, in the clip: expected present
    strangers: tuple[str, ...]  # in the clip, never enrolled: never present
    first_seen_s: dict[str, float]  # identity -> clip time it is first wholly, clearly in view
    actors: tuple[Actor, ...]  # as staged, named by identity, for where/when questions

    @property
    def frames(self) -> int:
        return round(self.seconds * self.fps)


def lfw_identities(faces_dir: Path) -> dict[str, list[str]]:
    """Identity -> its photo paths (relative, sorted) for people photographed only by LFW."""
    photos: dict[str, list[str]] = defaultdict(list)
    for label in read_identities(faces_dir / "labels.csv"):
        photos[label.identity].append(label.path)
    return {
        identity: sorted(paths)
        for identity, paths in sorted(photos.items())
        if all(path.startswith("lfw/") for path in paths)
    }


def head_of_lfw_photo(path: Path) -> np.ndarray:
    """The head-and-shoulders window of a 250x250 LFW photo, BGR."""
    image = load_image(path)
    if image.shape[:2] != (LFW_SIDE, LFW_SIDE):
        raise ValueError(f"{path} is {image.shape[1]}x{image.shape[0]}, not an LFW photo")
    return np.ascontiguousarray(image[_HEAD])


def build_classroom_clip(
    faces_dir: Path,
    out_path: Path,
    *,
    students: int = 3,
    strangers: int = 2,
    absentees: int = 1,
    size: tuple[int, int] = (960, 540),
    fps: int = 10,
    seconds: float = 12.0,
    seed: int = 0,
    first_entry_s: float = 0.5,
) -> ClassroomClip:
    """Pick `students` identities with at least 3 photos and `strangers` with one photo
    (so they cannot be enrolled from another), reproducibly from `seed`, and write the clip
    to `out_path` (.mp4 or .mkv). Students and strangers alternate in arriving; every second
    person is half hidden for a while after their first clear view. `absentees` more people
    with at least 3 photos are picked for enrolment only: they never appear. Nobody is in the
    room before `first_entry_s`. Takes a few seconds."""
    identities = lfw_identities(faces_dir)
    rng = np.random.default_rng(seed)
    with_three = [name for name, paths in identities.items() if len(paths) >= 3]
    with_one = [name for name, paths in identities.items() if len(paths) == 1]
    chosen_students = [str(n) for n in rng.choice(with_three, size=students, replace=False)]
    chosen_strangers = [str(n) for n in rng.choice(with_one, size=strangers, replace=False)]
    # Drawn last, so adding absentees leaves a seed's students and strangers as they were.
    others = [name for name in with_three if name not in chosen_students]
    chosen_absentees = [str(n) for n in rng.choice(others, size=absentees, replace=False)]

    enrolled = {
        name: tuple(faces_dir / p for p in identities[name][:ENROLMENT_PHOTOS])
        for name in chosen_students
    }
    shown = {name: faces_dir / identities[name][-1] for name in chosen_students + chosen_strangers}
    order = [name for pair in zip(chosen_students, chosen_strangers, strict=False) for name in pair]
    order += chosen_students[len(chosen_strangers) :] + chosen_strangers[len(chosen_students) :]

    actors = stage_actors(
        [head_of_lfw_photo(shown[name]) for name in order],
        seconds=seconds,
        columns=(len(order) + 1) // 2,
        rows=2,
        height=0.36,
        scale=(0.85, 1.15),
        names=order,
        first_entry_s=first_entry_s,
    )
    write_scene(out_path, actors, size, fps, seconds=seconds, seed=seed)
    first_seen = {}
    for actor in actors:
        seen = first_clear_view(actor, size, fps)
        if seen is None:
            raise ValueError(f"{actor.name} is never wholly in view in a {size} clip")
        first_seen[actor.name] = seen
    return ClassroomClip(
        path=out_path,
        size=size,
        fps=fps,
        seconds=seconds,
        enrolled=enrolled,
        absent={
            name: tuple(faces_dir / p for p in identities[name][:ENROLMENT_PHOTOS])
            for name in chosen_absentees
        },
        shown=shown,
        students=tuple(chosen_students),
        strangers=tuple(chosen_strangers),
        first_seen_s=first_seen,
        actors=tuple(actors),
    )
