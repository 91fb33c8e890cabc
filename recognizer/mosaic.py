"""Mosaics: the neighbourhoods of known faces, from any frames, packed into one small canvas.

Between full scans the detector only needs to find again the faces it already follows. Each
face's neighbourhood is cut out of its frame, scaled so the face lands near the size SCRFD
finds best (upscaled up to `MAX_UPSCALE` for faces of 20-40 px, shrunk for large ones) and
placed in a cell of a canvas: forty faces of a 1080p classroom cost one 640x640 detector run
instead of a 1920x1088 one, so the cost follows the faces, not the frame's pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.letterbox import PAD_VALUE

CELL_PX = 128
COLUMNS = 5
# A face's neighbourhood: this many times its box's longer side, so a face that moved by
# half its size between analysed frames is still wholly inside.
CONTEXT = 2.2
# 2x upscaling lifts a 24 px face to 48 px, where SCRFD-500M scores it confidently; more
# only magnifies compression blocks.
MAX_UPSCALE = 2.0


@dataclass(frozen=True)
class Cell:
    """One neighbourhood: frame pixels `region` shown at `scale` from canvas point `origin`."""

    frame_index: int
    region: tuple[int, int, int, int]  # x1, y1, x2, y2 in the frame, clipped to it
    scale_x: float
    scale_y: float
    origin: tuple[int, int]  # canvas position of the region's top-left corner

    def holds(self, x: float, y: float) -> bool:
        """Whether canvas point (x, y) lies on this cell's picture."""
        ox, oy = self.origin
        width = (self.region[2] - self.region[0]) * self.scale_x
        height = (self.region[3] - self.region[1]) * self.scale_y
        return ox <= x < ox + width and oy <= y < oy + height

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Map (..., 2) canvas points to frame pixels."""
        out = np.empty_like(points)
        out[..., 0] = (points[..., 0] - self.origin[0]) / self.scale_x + self.region[0]
        out[..., 1] = (points[..., 1] - self.origin[1]) / self.scale_y + self.region[1]
        return out


@dataclass(frozen=True)
class Mosaic:
    canvas: np.ndarray  # (rows * CELL_PX, COLUMNS * CELL_PX, 3) uint8
    cells: tuple[Cell, ...]

    def cell_at(self, x: float, y: float) -> Cell | None:
        column, row = int(x // CELL_PX), int(y // CELL_PX)
        index = row * COLUMNS + column
        if 0 <= column < COLUMNS and 0 <= index < len(self.cells):
            cell = self.cells[index]
            return cell if cell.holds(x, y) else None
        return None


def neighbourhood(box: np.ndarray, frame_shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The square around a face box (x1, y1, x2, y2) that a cell shows, clipped to the frame."""
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    side = max(x2 - x1, y2 - y1, 1.0) * CONTEXT
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    height, width = frame_shape[:2]
    return (
        max(0, math.floor(cx - side / 2)),
        max(0, math.floor(cy - side / 2)),
        min(width, math.ceil(cx + side / 2)),
        min(height, math.ceil(cy + side / 2)),
    )


def pack(
    frames: Sequence[np.ndarray], boxes: Sequence[Sequence[np.ndarray]], max_cells: int = 25
) -> list[Mosaic]:
    """Mosaics showing the neighbourhood of every box (boxes[i] are frame i's), at most
    `max_cells` cells each; a mosaic is only as tall as its cells need."""
    wanted = [
        (index, neighbourhood(box, frame.shape))
        for index, (frame, found) in enumerate(zip(frames, boxes, strict=True))
        for box in found
    ]
    wanted = [(i, r) for i, r in wanted if r[2] > r[0] and r[3] > r[1]]
    return [
        _mosaic(frames, wanted[start : start + max_cells])
        for start in range(0, len(wanted), max_cells)
    ]


def _mosaic(
    frames: Sequence[np.ndarray], regions: list[tuple[int, tuple[int, int, int, int]]]
) -> Mosaic:
    rows = math.ceil(len(regions) / COLUMNS)
    canvas = np.full((rows * CELL_PX, COLUMNS * CELL_PX, 3), PAD_VALUE, dtype=np.uint8)
    cells = []
    for slot, (frame_index, region) in enumerate(regions):
        x1, y1, x2, y2 = region
        scale = min(CELL_PX / max(x2 - x1, y2 - y1), MAX_UPSCALE)
        width = max(1, min(CELL_PX, round((x2 - x1) * scale)))
        height = max(1, min(CELL_PX, round((y2 - y1) * scale)))
        row, column = divmod(slot, COLUMNS)
        # Centred in its cell, so the black margins keep neighbouring cells' faces apart.
        ox = column * CELL_PX + (CELL_PX - width) // 2
        oy = row * CELL_PX + (CELL_PX - height) // 2
        picture = frames[frame_index][y1:y2, x1:x2]
        shrinking = scale < 1.0
        canvas[oy : oy + height, ox : ox + width] = cv2.resize(
            picture,
            (width, height),
            interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR,
        )
        cells.append(Cell(frame_index, region, width / (x2 - x1), height / (y2 - y1), (ox, oy)))
    return Mosaic(canvas, tuple(cells))
