"""A frame made small for a live view: scaled down to a width and JPEG-encoded in memory."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PREVIEW_WIDTH = 640  # plenty to see who is where; about 40 KB a frame at this quality
JPEG_QUALITY = 70


@dataclass(frozen=True)
class PreviewImage:
    jpeg: bytes
    width: int
    height: int
    scale: float  # preview pixels per frame pixel (1.0 for a frame no wider than the preview)


def encode_preview(
    image: np.ndarray, width: int = PREVIEW_WIDTH, quality: int = JPEG_QUALITY
) -> PreviewImage:
    """The BGR frame `image` no wider than `width`, as a JPEG (bytes in memory only). Sync:
    run it off the event loop (OpenCV lets go of the GIL while it works)."""
    height, frame_width = image.shape[:2]
    scale = min(1.0, width / frame_width)
    if scale < 1.0:
        size = (max(1, round(frame_width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the frame could not be encoded as JPEG")
    return PreviewImage(encoded.tobytes(), image.shape[1], image.shape[0], scale)
