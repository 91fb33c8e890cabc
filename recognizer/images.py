"""Encoded image bytes to BGR uint8 frames, refusing anything that would crash or blow memory."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from recognizer.errors import ImageError
from recognizer.image_headers import read_header

DEFAULT_MAX_PIXELS = 40_000_000  # a 40 MP photo; classroom frames are 1-8 MP
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MIN_SIDE_PX = 16  # nothing smaller can hold a detectable face

# COLOR turns grey and RGBA into 3-channel BGR and applies EXIF orientation; ANYDEPTH keeps
# 16-bit samples 16-bit so they are scaled down below instead of clipped by OpenCV.
_IMREAD_FLAGS = cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode JPEG/PNG/WebP/BMP bytes to an HxWx3 BGR uint8 array.

    Raises ImageError, with the reason, for empty, truncated, unknown, tiny or over-large images
    (the size is read from the header before any pixel memory is allocated).
    """
    header = read_header(data)
    if header.width < MIN_SIDE_PX or header.height < MIN_SIDE_PX:
        raise ImageError(
            f"{header.format} image is {header.width}x{header.height} px: at least "
            f"{MIN_SIDE_PX}x{MIN_SIDE_PX} is needed to hold a face"
        )
    if header.width * header.height > max_pixels:
        raise ImageError(
            f"{header.format} image claims {header.width}x{header.height} px, over the "
            f"{max_pixels:,} pixel limit"
        )
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), _IMREAD_FLAGS)
    if image is None or image.size == 0:
        raise ImageError(f"{header.format} image data could not be decoded ({len(data)} bytes)")
    return _to_bgr_uint8(image)


def load_image(path: Path | str, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read and decode an image file; ImageError names the file on any failure."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > DEFAULT_MAX_BYTES:
            raise ImageError(f"file is {size:,} bytes, over the {DEFAULT_MAX_BYTES:,} limit")
        return decode_image(path.read_bytes(), max_pixels=max_pixels)
    except ImageError as error:
        raise ImageError(f"{path}: {error}") from error
    except OSError as error:
        raise ImageError(f"{path}: cannot read: {error.strerror or error}") from error


def _to_bgr_uint8(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)
