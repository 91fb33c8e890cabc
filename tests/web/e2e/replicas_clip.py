"""A classroom clip that stays empty for a while: its people arrive only `late_s` into it.

A camera that moves to another process starts its file again from the beginning there, so a
test can stop the first process during the empty part and know that every student is seen by
the process the camera moved to, and only by that one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.web.scenes import ENROLMENT_PHOTOS, ClassroomClip, head_of_lfw_photo, lfw_identities
from web.demo.scene import first_clear_view, write_scene
from web.demo.staging import stage_actors


def build_late_classroom_clip(
    faces_dir: Path,
    out_path: Path,
    *,
    late_s: float,
    seconds: float,
    students: int = 2,
    strangers: int = 1,
    size: tuple[int, int] = (640, 480),
    fps: int = 10,
    seed: int = 7,
) -> ClassroomClip:
    """Students (3+ LFW photos: two enrolled, a third shown) and strangers (one photo) who
    all arrive after `late_s`, plus one absentee to enrol; reproducible from `seed`."""
    identities = lfw_identities(faces_dir)
    rng = np.random.default_rng(seed)
    with_three = [name for name, paths in identities.items() if len(paths) >= 3]
    with_one = [name for name, paths in identities.items() if len(paths) == 1]
    picked = [str(n) for n in rng.choice(with_three, size=students + 1, replace=False)]
    chosen_students, absentee = picked[:students], picked[students]
    chosen_strangers = [str(n) for n in rng.choice(with_one, size=strangers, replace=False)]
    order = chosen_students + chosen_strangers
    shown = {name: faces_dir / identities[name][-1] for name in order}
    actors = stage_actors(
        [head_of_lfw_photo(shown[name]) for name in order],
        seconds=seconds,
        columns=len(order),
        rows=1,
        height=0.42,
        scale=(0.9, 1.1),
        names=order,
        first_entry_s=late_s,
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
        enrolled={
            name: tuple(faces_dir / p for p in identities[name][:ENROLMENT_PHOTOS])
            for name in chosen_students
        },
        absent={absentee: tuple(faces_dir / p for p in identities[absentee][:ENROLMENT_PHOTOS])},
        shown=shown,
        students=tuple(chosen_students),
        strangers=tuple(chosen_strangers),
        first_seen_s=first_seen,
        actors=tuple(actors),
    )
