"""A person's portrait: a small square JPEG of the face in an enrolment photo.

It is what a teacher's board shows beside a name, so it is framed for a person to recognise
(the face with a margin of hair and chin), not aligned for the embedder, and small enough
that a class of forty costs a few hundred kilobytes.
"""

from __future__ import annotations

import cv2
import numpy as np

PORTRAIT_PX = 96  # a card shows it at about 34 CSS px: 96 stays sharp on a 2x screen
JPEG_QUALITY = 85
MARGIN = 1.6  # the square's side over the face box's longer side
MAX_PORTRAIT_BYTES = 64 * 1024  # as the store allows; a 96 px JPEG is a few kilobytes


def portrait_jpeg(frame: np.ndarray, bbox: np.ndarray, size: int = PORTRAIT_PX) -> bytes:
    """The face of `bbox` (x1, y1, x2, y2 in `frame`'s pixels) as a `size`-pixel square JPEG.

    The square is centred on the face and kept inside the frame (moved, then shrunk, rather
    than padded: a portrait with black bars looks broken on a card).
    """
    height, width = frame.shape[:2]
    x1, y1, x2, y2 = (float(value) for value in bbox[:4])
    side = min(max(x2 - x1, y2 - y1) * MARGIN, width, height)
    side = max(side, 1.0)
    centre_x, centre_y = (x1 + x2) / 2, (y1 + y2) / 2
    left = round(min(max(centre_x - side / 2, 0.0), width - side))
    top = round(min(max(centre_y - side / 2, 0.0), height - side))
    edge = max(round(side), 1)
    crop = frame[top : top + edge, left : left + edge]
    interpolation = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_CUBIC
    square = cv2.resize(crop, (size, size), interpolation=interpolation)
    encoded, data = cv2.imencode(".jpg", square, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not encoded:  # cv2 reports failure rather than raising; nothing here should cause it
        raise RuntimeError("the portrait could not be encoded")
    return data.tobytes()
