"""Seats and timelines of a generated classroom: who sits where, walks in when, and what
covers whom (in the "occluded" level).

Every shown person becomes a `Sitter`: a head-and-shoulders picture scaled so that their face
box is the seat's width, and one or more `Actor`s playing them (walking in, seated, leaning).
Actors are drawn in layers: walkers first (so nobody walking in hides anyone seated), then
the seated back row to the front row, then whoever leans or passes in front.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from recognizer.images import load_image
from web.demo.classroom_cast import CastPerson
from web.demo.classroom_covers import MOVE_S, Covers
from web.demo.classroom_levels import ClassroomLevel
from web.demo.crops import face_crop
from web.demo.errors import DemoError
from web.demo.scene import Actor, Box, Point

# Seat rows lie between these heights (fractions of the frame), the back row highest, and span
# these shares of the width (narrower at the back, as in perspective).
_ROWS_Y = (0.16, 0.80)
_ROWS_SPAN = (0.80, 0.96)
_JITTER = 0.06  # seat jitter, a share of the spacing between seats, either way
_FACE_JITTER = 0.05  # face size jitter, either way
# Pictures are cut to this many face widths wide: face_crop's square (1.9x the box's longer,
# usually vertical, side) reaches over the neighbours' faces in a crowded row.
_PICTURE_WIDTH = 2.4
_WALK_S = (1.0, 2.0)


@dataclass(frozen=True)
class Seat:
    row: int  # 0 is the back row
    x: float  # the face's centre at rest, frame pixels
    y: float
    face_px: float  # the face box's width here
    spacing: float  # between neighbours in this row, pixels


@dataclass(frozen=True, eq=False)
class Sitter:
    person: CastPerson
    seat: Seat
    image: np.ndarray = field(repr=False)  # BGR, drawn at this size
    face: Box  # the face box inside `image`, pixels
    sits_s: float  # the frame time they sit down


@dataclass(frozen=True, eq=False)
class Part:
    """One actor of the scene, and whom it plays: `sitter` is None for a passer-by, and
    `at_seat` tells a seated actor from one walking in or leaning over."""

    actor: Actor
    sitter: int | None
    at_seat: bool


@dataclass(frozen=True, eq=False)
class Staging:
    sitters: list[Sitter]
    parts: list[Part]  # in drawing order

    @property
    def actors(self) -> list[Actor]:
        return [part.actor for part in self.parts]


def stage_classroom(level: ClassroomLevel, people: list[CastPerson], seed: int) -> Staging:
    """Seat `people` (all shown), stagger their arrivals and, for an occluded level, plan
    what covers them after everyone has arrived."""
    rng = np.random.default_rng([seed, 0x5EA7])
    seats = _seats(level, len(people), rng)
    arrivals = _arrivals(level, len(people), rng)
    sitters = [
        _sitter(person, seat, sits)
        for person, seat, sits in zip(people, seats, arrivals, strict=True)
    ]
    layers: tuple[list[Part], list[Part], list[Part]] = ([], [], [])
    covers = Covers.plan(level, sitters, rng) if level.occlusions else Covers()
    # Back row first, so the rows in front are drawn over the ones behind.
    for index in sorted(range(len(sitters)), key=lambda i: (sitters[i].seat.row, i)):
        _play(level, sitters, index, covers, rng, layers)
    layers[2].extend(Part(actor, None, False) for actor in covers.passers)
    return Staging(sitters, [part for layer in layers for part in layer])


def _seats(level: ClassroomLevel, count: int, rng: np.random.Generator) -> list[Seat]:
    """`count` seats in a seeded order, rows as equal as can be (the back rows, where faces
    are smallest, take the odd ones)."""
    width, height = level.size
    row_gap = (_ROWS_Y[1] - _ROWS_Y[0]) * height / max(level.rows - 1, 1)
    seats = []
    for row in range(level.rows):
        y, span, face = _row_shape(level, row)
        size = count // level.rows + (row < count % level.rows)
        spacing = span * width / max(size, 1)
        for column in range(size):
            x = width * (1.0 - span) / 2 + spacing * (column + 0.5)
            x += rng.uniform(-_JITTER, _JITTER) * spacing
            y_seat = y * height + rng.uniform(-_JITTER, _JITTER) * min(row_gap, spacing)
            face_px = face * (1.0 + rng.uniform(-_FACE_JITTER, _FACE_JITTER))
            seats.append(Seat(row, x, y_seat, face_px, spacing))
    return [seats[i] for i in rng.permutation(len(seats))]


def _row_shape(level: ClassroomLevel, row: int) -> tuple[float, float, float]:
    """(height, width share, face px) of a row; 0 is the back."""
    share = row / (level.rows - 1) if level.rows > 1 else 1.0
    lerp = lambda pair: pair[0] + (pair[1] - pair[0]) * share  # noqa: E731
    return lerp(_ROWS_Y), lerp(_ROWS_SPAN), lerp(level.face_px)


def _arrivals(level: ClassroomLevel, count: int, rng: np.random.Generator) -> list[float]:
    """Evenly spread over the level's window, on frame times, in a seeded order."""
    first, last = level.arrivals_s
    times = [round(t * level.fps) / level.fps for t in np.linspace(first, last, count)]
    return [times[i] for i in rng.permutation(count)]


def _sitter(person: CastPerson, seat: Seat, sits_s: float) -> Sitter:
    if person.shown is None:
        raise DemoError(f"{person.identity} is not shown in the video")
    photo = person.shown
    crop = face_crop(load_image(photo.path), np.array(photo.bbox), others=photo.others)
    x1, y1, x2, y2 = photo.bbox
    # Where face_crop put the box: centred in a square of 1.9x its longer side.
    side = crop.shape[0]
    left, top = round((x1 + x2) / 2 - side / 2), round((y1 + y2) / 2 - side / 2)
    box_in_crop = np.array([x1 - left, y1 - top, x2 - left, y2 - top])
    scale = seat.face_px / (x2 - x1)
    new_side = max(16, round(side * scale))
    picture = cv2.resize(crop, (new_side, new_side), interpolation=cv2.INTER_AREA)
    keep = min(new_side, max(16, round(_PICTURE_WIDTH * seat.face_px)))
    left = (new_side - keep) // 2
    picture = np.ascontiguousarray(picture[:, left : left + keep])
    fx1, fy1, fx2, fy2 = box_in_crop * (new_side / side) - np.array([left, 0, left, 0])
    return Sitter(person, seat, picture, (fx1, fy1, fx2, fy2), sits_s)


def _play(
    level: ClassroomLevel,
    sitters: list[Sitter],
    index: int,
    covers: Covers,
    rng: np.random.Generator,
    layers: tuple[list[Part], list[Part], list[Part]],
) -> None:
    """The actors playing one sitter: walking in (or not), seated with a gentle sway, and
    leaning over a neighbour for a while if the plan says so."""
    sitter = sitters[index]
    width, height = level.size
    seat_at = _image_centre(sitter, sitter.seat.x, sitter.seat.y, level.size)
    sway = (level.head_motion_px / width, level.head_motion_px / 2 / height)
    period, phase = float(rng.uniform(3.0, 6.0)), float(rng.uniform(0.0, 2.0 * math.pi))

    def actor(enter: float, leave: float, start: Point, end: Point | None, sways: bool) -> Actor:
        return Actor(
            sitter.image,
            enter,
            leave,
            start=start,
            end=end,
            height=sitter.image.shape[0] / height,
            occlusions=covers.props.get(index, ()),
            name=sitter.person.identity,
            sway=sway if sways else (0.0, 0.0),
            sway_period_s=period,
            sway_phase=phase,
        )

    walk_from = _walk_start(sitter, level.size, rng)
    walk_s = round(rng.uniform(*_WALK_S) * level.fps) / level.fps
    if walk_from is not None and sitter.sits_s - walk_s >= 0.0:
        walk = actor(sitter.sits_s - walk_s, sitter.sits_s, walk_from, seat_at, sways=False)
        layers[0].append(Part(walk, index, False))
    seated = [(sitter.sits_s, level.seconds)]
    lean = covers.leans.get(index)
    if lean is not None:
        start_s, end_s, dx = lean
        over = _image_centre(sitter, sitter.seat.x + dx, sitter.seat.y, level.size)
        seated = [(sitter.sits_s, start_s), (end_s + MOVE_S, level.seconds)]
        for enter, leave, start, end in (
            (start_s, start_s + MOVE_S, seat_at, over),
            (start_s + MOVE_S, end_s, over, None),
            (end_s, end_s + MOVE_S, over, seat_at),
        ):
            layers[2].append(Part(actor(enter, leave, start, end, sways=True), index, False))
    for enter, leave in seated:
        layers[1].append(Part(actor(enter, leave, seat_at, None, sways=True), index, True))


def _image_centre(sitter: Sitter, x: float, y: float, size: tuple[int, int]) -> Point:
    """Where the picture's centre goes (fractions of the frame) for its face centre at x, y."""
    x1, y1, x2, y2 = sitter.face
    picture_height, picture_width = sitter.image.shape[:2]
    centre_x = x - (x1 + x2) / 2 + picture_width / 2
    centre_y = y - (y1 + y2) / 2 + picture_height / 2
    return centre_x / size[0], centre_y / size[1]


def _walk_start(sitter: Sitter, size: tuple[int, int], rng: np.random.Generator) -> Point | None:
    """Where a walk to the seat starts: from the nearer side, from below, or None (a third
    of people are simply there on the next frame, as if the camera missed them coming)."""
    way = int(rng.integers(3))
    seat = sitter.seat
    if way == 0:
        return None
    if way == 1:
        towards_edge = -1.0 if seat.x < size[0] / 2 else 1.0
        x = seat.x + towards_edge * rng.uniform(1.5, 3.0) * seat.spacing
        return _image_centre(sitter, x, seat.y, size)
    return _image_centre(sitter, seat.x, seat.y + rng.uniform(0.08, 0.16) * size[1], size)
