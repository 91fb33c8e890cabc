"""A track's evidence: the quality-weighted mean of every embedding of its face so far.

One face seen over many frames is one identity, so its sightings are pooled before anyone is
named (set-based recognition, as in IJB-C's template protocol): frame-to-frame noise of a
30 px face (sensor noise, compression, a blink) averages out of the mean while what the face
really looks like stays, so ten weak sightings that each fall short of the threshold can add
up to one clear match. Sharper and larger sightings weigh more, because their embeddings
carry more of the face and less of the noise.
"""

from __future__ import annotations

import numpy as np


class TrackEvidence:
    """Running weighted sum of unit embeddings; not thread-safe (the engine guards it)."""

    def __init__(self) -> None:
        self._sum: np.ndarray | None = None
        self.sightings = 0
        self.weight = 0.0

    def add(self, embedding: np.ndarray, weight: float) -> None:
        if weight <= 0.0:
            return
        vector = np.asarray(embedding, dtype=np.float32) * np.float32(weight)
        self._sum = vector if self._sum is None else self._sum + vector
        self.sightings += 1
        self.weight += weight

    def mean(self) -> np.ndarray | None:
        """The unit direction of the pooled embeddings; None before the first sighting."""
        if self._sum is None:
            return None
        norm = float(np.linalg.norm(self._sum))
        return None if norm == 0.0 else self._sum / np.float32(norm)

    def clear(self) -> None:
        self._sum = None
        self.sightings = 0
        self.weight = 0.0
