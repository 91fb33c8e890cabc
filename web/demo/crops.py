"""Head-and-shoulders crops of detected faces, the pictures a scene's actors are made from."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np


def face_crop(
    image: np.ndarray,
    bbox: np.ndarray,
    context: float = 1.9,
    others: Sequence[np.ndarray] = (),
) -> np.ndarray:
    """A square BGR crop centred on a face box (x1, y1, x2, y2), `context` times the box's
    longer side; parts past the photo's edge are filled by repeating its border pixels so
    the face stays centred. The `others` face boxes (neighbours in a group photo) are painted
    over from their surroundings, so the crop shows one person only."""
    x1, y1, x2, y2 = (float(v) for v in bbox[:4])
    side = max(2, round(max(x2 - x1, y2 - y1) * context))
    left = round((x1 + x2) / 2 - side / 2)
    top = round((y1 + y2) / 2 - side / 2)
    height, width = image.shape[:2]
    pad = max(0, -left, -top, left + side - width, top + side - height)
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else image
    crop = np.ascontiguousarray(
        padded[top + pad : top + pad + side, left + pad : left + pad + side]
    )
    if not others:
        return crop
    # Only the crop is painted: painting a whole group photo once per face is slow.
    shift = np.array([left, top, left, top], dtype=np.float32)
    return _painted_over(crop, [np.asarray(box[:4], dtype=np.float32) - shift for box in others])


def _painted_over(image: np.ndarray, boxes: Sequence[np.ndarray]) -> np.ndarray:
    mask = np.zeros(image.shape[:2], dtype=np.uint8)
    for box in boxes:
        x1, y1, x2, y2 = (float(v) for v in box[:4])
        grow_x, grow_y = (x2 - x1) * 0.15, (y2 - y1) * 0.15
        cv2.rectangle(
            mask,
            (round(x1 - grow_x), round(y1 - grow_y)),
            (round(x2 + grow_x), round(y2 + grow_y)),
            255,
            thickness=-1,
        )
    return cv2.inpaint(image, mask, 5, cv2.INPAINT_TELEA)
