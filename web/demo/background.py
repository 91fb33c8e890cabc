"""A classroom-like backdrop for composed scenes: a wall, a board and desks, with no faces."""

from __future__ import annotations

import cv2
import numpy as np


def classroom_background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A deterministic BGR uint8 image: a graded wall, a green board, a floor with desks,
    and seeded blotchy texture so the encoder and the detector see something other than flat
    colour (a flat frame makes detection trivially easy and compresses to nothing)."""
    if width < 16 or height < 16:
        raise ValueError(f"a background needs at least 16x16 px, got {width}x{height}")
    rng = np.random.default_rng(seed)
    rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    wall_top = np.array([200, 214, 222], dtype=np.float32)  # BGR: warm off-white
    wall_bottom = np.array([150, 170, 186], dtype=np.float32)
    image = np.broadcast_to(wall_top + (wall_bottom - wall_top) * rows, (height, width, 3)).copy()

    floor_y = int(height * 0.78)
    image[floor_y:] = np.array([70, 96, 120], dtype=np.float32)  # wooden floor
    board = (int(width * 0.2), int(height * 0.06), int(width * 0.8), int(height * 0.34))
    cv2.rectangle(image, board[:2], board[2:], (60, 88, 48), thickness=-1)
    cv2.rectangle(image, board[:2], board[2:], (90, 110, 130), thickness=max(2, width // 200))
    desk_height = max(4, int(height * 0.06))
    for column in range(5):
        left = int(width * (0.03 + column * 0.195))
        right = left + int(width * 0.16)
        cv2.rectangle(image, (left, floor_y - desk_height), (right, floor_y), (52, 74, 104), -1)

    # Low-frequency blotches: noise on a coarse grid, smoothly enlarged.
    # Grey, not coloured, like uneven paint and light.
    coarse = rng.normal(0.0, 7.0, size=(height // 24 + 2, width // 24 + 2)).astype(np.float32)
    blotches = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)[:, :, None]
    grain = rng.normal(0.0, 2.0, size=(height, width, 1)).astype(np.float32)
    return np.clip(image + blotches + grain, 0, 255).astype(np.uint8)
