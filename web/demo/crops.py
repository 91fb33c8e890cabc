"""Head-and-shoulders crops of detected faces, the pictures a scene's actors are made from."""

from __future__ import annotations

import cv2
import numpy as np


def face_crop(image: np.ndarray, bbox: np.ndarray, context: float = 1.9) -> np.ndarray:
    """A square BGR crop centred on a face box (x1, y1, x2, y2), `context` times the box's
    longer side; parts past the photo's edge are filled by repeating its border pixels so
    the face stays centred."""
    x1, y1, x2, y2 = (float(v) for v in bbox[:4])
    side = max(2, round(max(x2 - x1, y2 - y1) * context))
    left = round((x1 + x2) / 2 - side / 2)
    top = round((y1 + y2) / 2 - side / 2)
    height, width = image.shape[:2]
    pad = max(0, -left, -top, left + side - width, top + side - height)
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else image
    return np.ascontiguousarray(
        padded[top + pad : top + pad + side, left + pad : left + pad + side]
    )
