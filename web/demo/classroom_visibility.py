"""When each seated face in a staged classroom can be seen: the ground truth of arrivals.

A face counts as seen on a frame when the whole face box is in the frame, no prop of theirs
covers it, and nothing drawn after them reaches over it, wherever its person is: walking in to
their seat counts, since a recogniser sees them then (a mark while they walk is no early mark). The
pasted pictures are opaque inside the ellipse inscribed in their box (scene.py's feathered
oval), so that ellipse, not the box, is what covers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from web.demo.classroom_levels import ClassroomLevel
from web.demo.classroom_staging import Staging
from web.demo.errors import DemoError


@dataclass(frozen=True)
class Sightline:
    arrives_s: float  # the first frame time their face is seen, walking in or seated
    hidden_s: tuple[tuple[float, float], ...]  # [start, end) spans unseen once seated


def sightlines(staging: Staging, level: ClassroomLevel) -> list[Sightline]:
    """One per sitter, in `staging.sitters` order. DemoError if someone is never seen at
    their seat: their face is off the frame or always under someone else's."""
    seen = _seen_frames(staging, level)
    lines = []
    for sitter, frames in zip(staging.sitters, seen, strict=True):
        sits = round(sitter.sits_s * level.fps)
        seated = np.flatnonzero(frames[sits:])
        if seated.size == 0:
            raise DemoError(
                f"{sitter.person.identity} is never seen at their seat: the seats are too "
                "crowded for the faces, or the faces too large for the frame"
            )
        # A walk-in passes behind seated people: only the gaps after sitting down count.
        first = int(np.flatnonzero(frames)[0])
        lines.append(Sightline(first / level.fps, _gaps(frames, sits + int(seated[0]), level.fps)))
    return lines


def _seen_frames(staging: Staging, level: ClassroomLevel) -> np.ndarray:
    """(sitters, frames) bool: seen on that frame."""
    parts = staging.parts
    width, height = level.size
    seen = np.zeros((len(staging.sitters), level.frames), dtype=bool)
    offsets = np.array(
        [staging.sitters[p.sitter].face if p.sitter is not None else (0.0,) * 4 for p in parts]
    )
    order = np.arange(len(parts))
    for index in range(level.frames):
        t = index / level.fps
        boxes = np.full((len(parts), 4), np.nan)
        for k, part in enumerate(parts):
            placement = part.actor.placement(t, level.size)
            if placement is not None:
                boxes[k] = placement.box
        present = ~np.isnan(boxes[:, 0])
        seated = np.flatnonzero(present & np.array([p.sitter is not None for p in parts]))
        if seated.size == 0:
            continue
        faces = boxes[seated][:, [0, 1, 0, 1]] + offsets[seated]
        inside = (faces[:, 0] >= 0) & (faces[:, 1] >= 0)
        inside &= (faces[:, 2] <= width) & (faces[:, 3] <= height)
        later = (order[None, :] > seated[:, None]) & present[None, :]
        covered = np.any(_ellipse_meets(boxes, faces) & later, axis=1)
        propped = np.array([parts[k].actor.occluded(t) for k in seated])
        rows = [part.sitter for part in (parts[k] for k in seated) if part.sitter is not None]
        seen[rows, index] = inside & ~covered & ~propped
    return seen


def _ellipse_meets(boxes: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(faces, boxes) bool: the ellipse inscribed in each box reaches into each face box.
    Scaled so the ellipse is a unit circle, the face box's nearest point to its centre tells."""
    with np.errstate(invalid="ignore"):
        centre_x = (boxes[:, 0] + boxes[:, 2]) / 2
        centre_y = (boxes[:, 1] + boxes[:, 3]) / 2
        half_w = (boxes[:, 2] - boxes[:, 0]) / 2
        half_h = (boxes[:, 3] - boxes[:, 1]) / 2
        near_x = np.clip(centre_x[None, :], faces[:, 0:1], faces[:, 2:3])
        near_y = np.clip(centre_y[None, :], faces[:, 1:2], faces[:, 3:4])
        distance = ((near_x - centre_x) / half_w) ** 2 + ((near_y - centre_y) / half_h) ** 2
        return distance < 1.0  # NaN (absent actors) compares False


def _gaps(frames: np.ndarray, first: int, fps: int) -> tuple[tuple[float, float], ...]:
    """[start, end) times of the runs of unseen frames after `first`."""
    unseen = ~frames[first:]
    edges = np.diff(np.concatenate(([0], unseen.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return tuple(((first + s) / fps, (first + e) / fps) for s, e in zip(starts, ends, strict=True))
