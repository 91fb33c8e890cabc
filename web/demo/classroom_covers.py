"""What covers faces in the "occluded" classroom level, once everyone has sat down: books and
hands held up, students leaning over a neighbour, and people walking across in front of a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np

from web.demo.classroom_levels import ClassroomLevel
from web.demo.errors import DemoError
from web.demo.scene import Actor, Occlusion

if TYPE_CHECKING:
    from web.demo.classroom_staging import Sitter

MOVE_S = 0.5  # leaning over, and back
# A walking pace, in face widths a second (~1.2 m/s); faster where the clip is too short.
_PASSER_SPEED = 8.0


@dataclass(frozen=True)
class Covers:
    """What hides faces in an occluded level: books and hands (per sitter), leans over a
    neighbour (sitter -> start of leaning over, start of leaning back, sideways shift in px)
    and passers-by in front of a row."""

    props: dict[int, tuple[Occlusion, ...]] = field(default_factory=dict)
    leans: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    passers: list[Actor] = field(default_factory=list)

    @classmethod
    def plan(cls, level: ClassroomLevel, sitters: list[Sitter], rng: np.random.Generator) -> Covers:
        # Covering starts a second after the last arrival, so everyone's arrival is clear.
        start, end = level.arrivals_s[1] + 1.0, level.seconds - 0.5
        if end - start < 1.0:
            raise DemoError(f"no time left for occlusions after arrivals in {level.seconds} s")

        def window(length: float) -> tuple[float, float]:
            length = min(length, end - start)
            first = rng.uniform(start, end - length)
            return _on_frame(first, level.fps), _on_frame(first + length, level.fps)

        props: dict[int, tuple[Occlusion, ...]] = {}
        held = max(1, round(0.35 * len(sitters)))  # a third hold a book or hand up once
        for index in rng.choice(len(sitters), size=held, replace=False):
            props[int(index)] = (_prop(sitters[int(index)], *window(rng.uniform(2.0, 4.0)), rng),)
        leans = {}
        for index, dx in _leaners(sitters, max(1, level.rows - 1), rng):
            first, last = window(rng.uniform(2.0, 3.5))
            # Leaning over and back take MOVE_S each; they stay over at least a frame.
            leans[index] = (first, max(first + MOVE_S + 1.0 / level.fps, last - MOVE_S), dx)
        passers = []
        occupied = sorted({s.seat.row for s in sitters})
        crossed = min(len(occupied), max(1, level.rows // 2))
        for row in rng.choice(occupied, size=crossed, replace=False):
            face = float(np.mean([s.seat.face_px for s in sitters if s.seat.row == row]))
            crossing = (level.size[0] + 4 * face) / (_PASSER_SPEED * face)
            passers.append(_passer(level, sitters, int(row), window(crossing), rng))
        return cls(props, leans, passers)


def _on_frame(t: float, fps: int) -> float:
    return round(t * fps) / fps


def _prop(sitter: Sitter, start_s: float, end_s: float, rng: np.random.Generator) -> Occlusion:
    """A book over the nose, mouth and chin, or a hand over the eyes."""
    x1, y1, x2, y2 = sitter.face
    w, h = x2 - x1, y2 - y1
    picture_height, picture_width = sitter.image.shape[:2]
    if rng.integers(2):
        box, colour = (x1 - 0.1 * w, y1 + 0.5 * h, x2 + 0.1 * w, y2 + 0.25 * h), (40, 60, 150)
    else:
        box, colour = (x1, y1 + 0.2 * h, x1 + 0.8 * w, y1 + 0.6 * h), (140, 170, 215)
    fractions = (
        max(0.0, box[0] / picture_width),
        max(0.0, box[1] / picture_height),
        min(1.0, box[2] / picture_width),
        min(1.0, box[3] / picture_height),
    )
    shade = rng.uniform(0.8, 1.2)
    blue, green, red = (min(255, round(c * shade)) for c in colour)
    return Occlusion(start_s, end_s, fractions, (blue, green, red))


def _leaners(
    sitters: list[Sitter], count: int, rng: np.random.Generator
) -> list[tuple[int, float]]:
    """(sitter, sideways shift) for `count` people leaning most of the way over their nearest
    neighbour in the row; nobody leans over someone who leans."""
    chosen: list[tuple[int, float]] = []
    busy: set[int] = set()
    for index in rng.permutation(len(sitters)):
        index = int(index)
        seat = sitters[index].seat
        row = [i for i, s in enumerate(sitters) if s.seat.row == seat.row and i != index]
        if index in busy or not row or len(chosen) == count:
            continue
        neighbour = min(row, key=lambda i: abs(sitters[i].seat.x - seat.x))
        if neighbour in busy:
            continue
        chosen.append((index, 0.8 * (sitters[neighbour].seat.x - seat.x)))
        busy.update((index, neighbour))
    return chosen


def _passer(
    level: ClassroomLevel,
    sitters: list[Sitter],
    row: int,
    window: tuple[float, float],
    rng: np.random.Generator,
) -> Actor:
    """Someone walking across in front of a row: a faceless silhouette, shoulders at the
    row's face height, from one side of the frame to the other."""
    seats = [s.seat for s in sitters if s.seat.row == row]
    face = float(np.mean([s.face_px for s in seats]))
    y = float(np.mean([s.y for s in seats])) + 1.5 * face
    width, height = level.size
    image = np.empty((round(6 * face), round(3 * face), 3), dtype=np.uint8)
    image[:] = rng.integers(30, 110, size=3)
    head = (image.shape[1] // 2, round(1.1 * face))
    cv2.ellipse(image, head, (round(0.55 * face), round(0.7 * face)), 0, 0, 360, (35, 40, 45), -1)
    start, end = -2 * face / width, 1 + 2 * face / width
    if rng.integers(2):
        start, end = end, start
    return Actor(
        image,
        enter_s=window[0],
        exit_s=window[1],
        start=(start, y / height),
        end=(end, y / height),
        height=image.shape[0] / height,
        name="passer-by",
    )
