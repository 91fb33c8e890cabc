"""Staging: who sits where and when in a composed classroom scene."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from web.demo.errors import DemoError
from web.demo.scene import Actor, Occlusion

_DRIFT = 0.02  # how far (fraction of the frame's width) each person sways either way
_ARRIVALS = 0.35  # arrivals are spread over this share of the scene
_STAY = 0.65  # and each person stays this share of it (or to the end)


def stage_actors(
    images: Sequence[np.ndarray],
    *,
    seconds: float,
    columns: int,
    rows: int,
    height: float,
    scale: tuple[float, float] = (0.8, 1.3),
    names: Sequence[str] | None = None,
    first_entry_s: float = 0.5,
) -> list[Actor]:
    """One actor per image, each in a seat of a `columns` x `rows` grid (row by row).

    They arrive one after another, sway sideways while their scale goes from `scale[0]` to
    `scale[1]` (walking closer), and every second one is half hidden for a fifth of their stay
    (a raised book over nose and mouth); those arriving early leave before the end.
    """
    if len(images) > columns * rows:
        raise DemoError(f"{len(images)} people do not fit {columns}x{rows} seats")
    if names is not None and len(names) != len(images):
        raise DemoError(f"{len(names)} names for {len(images)} people")
    if not seconds > first_entry_s >= 0.0:
        raise DemoError(f"a scene of {seconds} s cannot start people at {first_entry_s} s")
    actors = []
    for index, image in enumerate(images):
        column, row = index % columns, index // columns
        seat = ((column + 0.5) / columns, (row + 0.5) / rows)
        sway = _DRIFT if index % 2 == 0 else -_DRIFT
        enter = first_entry_s + (seconds - first_entry_s) * _ARRIVALS * index / len(images)
        leave = min(seconds, enter + seconds * _STAY)
        stay = leave - enter
        hidden = (Occlusion(enter + 0.4 * stay, enter + 0.6 * stay),) if index % 2 == 1 else ()
        actors.append(
            Actor(
                image=image,
                enter_s=enter,
                exit_s=leave,
                start=(seat[0] - sway, seat[1]),
                end=(seat[0] + sway, seat[1]),
                height=height,
                scale=scale,
                occlusions=hidden,
                name="" if names is None else names[index],
            )
        )
    return actors
