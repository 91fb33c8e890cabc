"""Classroom scenes composed from photos: people appear, drift, grow, are partly hidden, leave.

Everything here is synchronous numpy/OpenCV and deterministic: the same actors, size, rate and
seed give the same frames, so tests can say where and when each face is on screen. Async
callers run `write_scene` in a thread.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import av
import cv2
import numpy as np

from web.demo.background import classroom_background
from web.demo.errors import DemoError

Point = tuple[float, float]
Box = tuple[float, float, float, float]
# Called on each composed BGR frame with its index before it is encoded (defocus, sensor
# noise); returns the frame to encode, of the same shape.
FrameFilter = Callable[[np.ndarray, int], np.ndarray]

# The pasted photo fades out towards an ellipse's rim, so it blends into the backdrop and
# stray faces at a photo's edges (LFW photos often have some) are cut away.
_FEATHER = 0.15
_CONTAINERS = {".mp4": "mp4", ".mkv": "matroska"}


@dataclass(frozen=True)
class Occlusion:
    """An opaque bar over part of an actor (a raised book, a hand) from `start_s` to `end_s`.

    `box` is (left, top, right, bottom) as fractions of the actor's image: the default hides
    the lower half of a face centred in it, nose and mouth."""

    start_s: float
    end_s: float
    box: Box = (0.0, 0.5, 1.0, 0.9)
    colour: tuple[int, int, int] = (48, 52, 60)

    def __post_init__(self) -> None:
        if not self.end_s > self.start_s:
            raise DemoError(f"an occlusion must end after it starts: {self.start_s}..{self.end_s}")
        left, top, right, bottom = self.box
        if not (0.0 <= left < right <= 1.0 and 0.0 <= top < bottom <= 1.0):
            raise DemoError(
                f"an occlusion box must be fractions with left<right, top<bottom: {self.box}"
            )

    def active(self, t: float) -> bool:
        return self.start_s <= t < self.end_s


@dataclass(frozen=True)
class Placement:
    """Where an actor's image lies in a frame, in pixels (it may reach past the edges)."""

    left: int
    top: int
    width: int
    height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        """(x1, y1, x2, y2), exclusive right and bottom."""
        return self.left, self.top, self.left + self.width, self.top + self.height

    def contains(self, x: float, y: float) -> bool:
        x1, y1, x2, y2 = self.box
        return x1 <= x < x2 and y1 <= y < y2

    def inside(self, size: tuple[int, int]) -> bool:
        """True when the whole image is within a frame of `size` (width, height)."""
        x1, y1, x2, y2 = self.box
        return x1 >= 0 and y1 >= 0 and x2 <= size[0] and y2 <= size[1]


@dataclass(frozen=True, eq=False)
class Actor:
    """One person in the scene: a BGR photo of them (face roughly centred) and a timeline.

    On screen from `enter_s` (inclusive) to `exit_s` (exclusive), the image's centre moving in
    a straight line from `start` to `end` (fractions of the frame's width and height) while
    its scale goes linearly from `scale[0]` to `scale[1]`. At scale 1 the image is `height`
    of the frame's height tall. Later actors in a scene are drawn over earlier ones.

    `sway` adds a small periodic head motion on top: (x, y) amplitudes as fractions of the
    frame's width and height, sideways once and up-and-down twice per `sway_period_s`. It
    follows the clip's clock, not the actor's, so one person played by consecutive actors
    (seated, leaning, seated again) moves without a jump.
    """

    image: np.ndarray = field(repr=False)
    enter_s: float
    exit_s: float
    start: Point = (0.5, 0.5)
    end: Point | None = None  # None: stays at `start`
    height: float = 0.3
    scale: tuple[float, float] = (1.0, 1.0)
    occlusions: tuple[Occlusion, ...] = ()
    name: str = ""
    sway: Point = (0.0, 0.0)
    sway_period_s: float = 4.0
    sway_phase: float = 0.0  # radians

    def __post_init__(self) -> None:
        image = self.image
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise DemoError(
                f"an actor's image must be HxWx3 uint8 BGR, got {image.shape} {image.dtype}"
            )
        if min(image.shape[:2]) < 16:
            raise DemoError(f"an actor's image is too small to hold a face: {image.shape[:2]}")
        if not self.exit_s > self.enter_s >= 0.0:
            raise DemoError(f"an actor must leave after entering: {self.enter_s}..{self.exit_s}")
        if not (0.0 < self.height <= 2.0 and min(self.scale) > 0.0):
            raise DemoError(
                f"an actor's height and scales must be positive: {self.height} {self.scale}"
            )
        if not self.sway_period_s > 0.0:
            raise DemoError(f"an actor's sway period must be positive: {self.sway_period_s}")

    def on_screen(self, t: float) -> bool:
        return self.enter_s <= t < self.exit_s

    def placement(self, t: float, size: tuple[int, int]) -> Placement | None:
        """Where the actor's image is at clip time `t` in a frame of `size`, None if absent."""
        if not self.on_screen(t):
            return None
        progress = (t - self.enter_s) / (self.exit_s - self.enter_s)
        end = self.start if self.end is None else self.end
        sway_x, sway_y = self._sway(t)
        centre_x = (self.start[0] + (end[0] - self.start[0]) * progress + sway_x) * size[0]
        centre_y = (self.start[1] + (end[1] - self.start[1]) * progress + sway_y) * size[1]
        scale = self.scale[0] + (self.scale[1] - self.scale[0]) * progress
        height = max(2, round(self.height * size[1] * scale))
        width = max(2, round(height * self.image.shape[1] / self.image.shape[0]))
        return Placement(round(centre_x - width / 2), round(centre_y - height / 2), width, height)

    def occluded(self, t: float) -> bool:
        return any(occlusion.active(t) for occlusion in self.occlusions)

    def _sway(self, t: float) -> Point:
        if self.sway == (0.0, 0.0):
            return 0.0, 0.0
        angle = 2.0 * math.pi * t / self.sway_period_s + self.sway_phase
        return self.sway[0] * math.sin(angle), self.sway[1] * math.sin(2.0 * angle)


def first_clear_view(actor: Actor, size: tuple[int, int], fps: float) -> float | None:
    """The first frame time at which the actor is wholly in the frame and nothing hides them:
    the earliest instant a recogniser can be expected to see them. None if never."""
    first = math.ceil(actor.enter_s * fps - 1e-9)
    last = math.ceil(actor.exit_s * fps - 1e-9)
    for index in range(first, last):
        t = index / fps
        placement = actor.placement(t, size)
        if placement is not None and placement.inside(size) and not actor.occluded(t):
            return t
    return None


def compose_frame(actors: Sequence[Actor], t: float, background: np.ndarray) -> np.ndarray:
    """The frame at clip time `t`: a new image, the backdrop with every present actor on it."""
    frame = background.copy()
    size = (frame.shape[1], frame.shape[0])
    for actor in actors:
        placement = actor.placement(t, size)
        if placement is not None:
            _paste(frame, actor, placement, t)
    return frame


def compose_scene(
    actors: Sequence[Actor],
    size: tuple[int, int] = (1280, 720),
    fps: int = 10,
    *,
    seconds: float,
    background: np.ndarray | None = None,
    seed: int = 0,
) -> Iterator[np.ndarray]:
    """Every frame of a `seconds`-long scene at `fps`, as BGR uint8 images of `size`
    (width, height). Without `background`, a classroom backdrop seeded by `seed`."""
    backdrop = _backdrop(size, background, seed)
    for index in range(round(seconds * fps)):
        yield compose_frame(actors, index / fps, backdrop)


def write_scene(
    path: Path,
    actors: Sequence[Actor],
    size: tuple[int, int] = (1280, 720),
    fps: int = 10,
    *,
    seconds: float,
    background: np.ndarray | None = None,
    seed: int = 0,
    preset: str = "superfast",
    crf: int = 20,
    post_filter: FrameFilter | None = None,
) -> Path:
    """Encode the scene as H.264 (libx264, yuv420p, constant rate factor `crf`) into `path`
    (.mp4 or .mkv) and return it. `post_filter`, when given, changes each composed frame
    before it is encoded, as a camera's optics and sensor would.

    The file appears complete or not at all (written aside, then renamed), so a crash never
    leaves a truncated video that a later start would take as done. A keyframe every second
    lets a looping or reconnecting reader start decoding quickly."""
    container_format = _CONTAINERS.get(path.suffix.lower())
    if container_format is None:
        raise DemoError(f"a scene is written as .mp4 or .mkv, not {path.name}")
    if size[0] % 2 or size[1] % 2:
        raise DemoError(f"H.264 in yuv420p needs an even width and height, got {size}")
    partial = path.with_name(f".{path.name}.partial")
    try:
        with av.open(str(partial), "w", format=container_format) as container:
            stream = container.add_stream("libx264", rate=fps)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            # No scene-cut keyframes: x264's lookahead otherwise starts GOPs a frame early.
            stream.options = {
                "preset": preset,
                "g": str(fps),
                "sc_threshold": "0",
                "crf": str(crf),
            }
            frames = compose_scene(
                actors, size, fps, seconds=seconds, background=background, seed=seed
            )
            for index, image in enumerate(frames):
                if post_filter is not None:
                    image = post_filter(image, index)
                frame = av.VideoFrame.from_ndarray(image, format="bgr24")
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _backdrop(size: tuple[int, int], background: np.ndarray | None, seed: int) -> np.ndarray:
    if background is None:
        return classroom_background(size[0], size[1], seed)
    if background.shape != (size[1], size[0], 3) or background.dtype != np.uint8:
        raise DemoError(
            f"the background must be {size[1]}x{size[0]}x3 uint8, got "
            f"{background.shape} {background.dtype}"
        )
    return background


@lru_cache(maxsize=128)
def _oval_alpha(width: int, height: int) -> np.ndarray:
    """(height, width) float32 opacity: 1 inside an ellipse, fading to 0 at its rim.

    Cached (read-only): a crowded scene pastes the same few sizes thousands of times."""
    ys = (np.arange(height, dtype=np.float32) + 0.5) / height * 2.0 - 1.0
    xs = (np.arange(width, dtype=np.float32) + 0.5) / width * 2.0 - 1.0
    radius = np.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2)
    alpha = np.clip((1.0 - radius) / _FEATHER, 0.0, 1.0)
    alpha.flags.writeable = False
    return alpha


def _paste(frame: np.ndarray, actor: Actor, placement: Placement, t: float) -> None:
    source = actor.image
    if source.shape[:2] == (placement.height, placement.width):
        image = source  # drawn at its own size (pre-scaled by the caller): nothing to resize
    else:
        shrinking = placement.height < source.shape[0]
        image = cv2.resize(
            source,
            (placement.width, placement.height),
            interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR,
        )
    alpha = _oval_alpha(placement.width, placement.height)
    x1, y1, x2, y2 = placement.box
    frame_height, frame_width = frame.shape[:2]
    cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, frame_width), min(y2, frame_height)
    if cx1 >= cx2 or cy1 >= cy2:
        return  # wholly outside the frame
    region = (slice(cy1 - y1, cy2 - y1), slice(cx1 - x1, cx2 - x1))
    opacity = alpha[region]
    frame[cy1:cy2, cx1:cx2] = cv2.blendLinear(
        np.ascontiguousarray(image[region]),
        frame[cy1:cy2, cx1:cx2].copy(),
        np.ascontiguousarray(opacity),
        np.ascontiguousarray(1.0 - opacity),
    )
    # Occlusions are objects in front of the person: opaque, not faded like the photo.
    for occlusion in actor.occlusions:
        if occlusion.active(t):
            left, top, right, bottom = occlusion.box
            cv2.rectangle(
                frame,
                (x1 + round(left * placement.width), y1 + round(top * placement.height)),
                (
                    x1 + round(right * placement.width) - 1,
                    y1 + round(bottom * placement.height) - 1,
                ),
                occlusion.colour,
                thickness=-1,
            )
