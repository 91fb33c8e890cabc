"""PyAV pieces shared by the URL and file sources: picture conversion and error wording."""

from __future__ import annotations

import av
import numpy as np

from streamer.url import CameraUrl


def to_bgr(frame: av.VideoFrame, max_width: int | None) -> np.ndarray:
    """The frame as a BGR array, scaled down (aspect kept) when wider than `max_width`."""
    if max_width is None or frame.width <= max_width:
        return frame.to_ndarray(format="bgr24")
    height = max(2, round(frame.height * max_width / frame.width / 2) * 2)
    return frame.to_ndarray(format="bgr24", width=max_width, height=height)


def describe_error(exc: BaseException, url: CameraUrl) -> str:
    """A one-line, password-free description of why a read failed.

    PyAV puts the full URL (password included) into its exceptions, so they are never
    logged or stored as they are.
    """
    reason = getattr(exc, "strerror", None) or str(exc)
    return url.scrub(f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__)
