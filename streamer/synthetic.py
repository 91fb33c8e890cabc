"""Generated video for demos, tests and benchmarks: a moving pattern, as images or a file."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


class MovingPattern:
    """Frames of a textured pattern sliding sideways: cheap to make, not trivial to encode."""

    def __init__(self, width: int, height: int, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        ys, xs = np.mgrid[0:height, 0:width]
        base = np.stack(
            [(xs * 255 // max(1, width - 1)), (ys * 255 // max(1, height - 1)), (xs + ys) % 256],
            axis=-1,
        ).astype(np.uint8)
        blocks = rng.integers(0, 64, size=(height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
        texture = np.repeat(np.repeat(blocks, 16, axis=0), 16, axis=1)[:height, :width]
        self._base = base // 2 + texture
        self.width = width
        self.height = height

    def image(self, index: int) -> np.ndarray:
        """The BGR image of frame `index`."""
        return np.roll(self._base, shift=(index * 4) % self.width, axis=1)


def write_h264_clip(
    path: Path,
    width: int,
    height: int,
    fps: int,
    seconds: float,
    keyframe_every: int = 15,
    preset: str = "ultrafast",
) -> Path:
    """Encode the moving pattern as H.264 into a .mkv or .mp4 at `path` with libx264.

    "ultrafast" writes quickly but makes streams cheaper to decode than a camera's
    (no CABAC); benchmarks pass a slower preset."""
    pattern = MovingPattern(width, height)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        # Frequent keyframes: a client that (re)connects mid-file starts decoding quickly.
        stream.options = {"preset": preset, "tune": "zerolatency", "g": str(keyframe_every)}
        for index in range(round(fps * seconds)):
            frame = av.VideoFrame.from_ndarray(pattern.image(index), format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path
