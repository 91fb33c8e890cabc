"""ArcFace embeddings of aligned 112x112 faces, batched and L2-normalised."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from recognizer.alignment import ALIGNED_SIDE
from recognizer.model_pack import ModelSignature, Role, require_role

# The w600k_* and glint360k ArcFace exports expect (x - 127.5) / 127.5 in RGB. (InsightFace
# guesses 0/1 for files whose graph starts with its own Sub/Mul; no bundled pack needs that.)
INPUT_MEAN = 127.5
INPUT_STD = 127.5


class ArcFaceEmbedder:
    """Immutable after construction, so safe to share across threads."""

    def __init__(self, session: ort.InferenceSession, path: Path, *, batch_size: int = 32) -> None:
        signature = ModelSignature.of(session)
        require_role(signature, Role.RECOGNIZER, path)
        self._session = session
        self._input_name = signature.inputs[0].name
        batch_dim = signature.inputs[0].shape[0]
        fixed_batch = isinstance(batch_dim, int) and batch_dim > 0
        self.batch_size = 1 if fixed_batch else batch_size
        dim = signature.outputs[0].shape[1]
        self.dim = int(dim) if isinstance(dim, int) else self._probe_dim()

    def embed(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(N, dim) float32 unit vectors for N aligned BGR uint8 crops."""
        if not crops:
            return np.zeros((0, self.dim), np.float32)
        parts = []
        for start in range(0, len(crops), self.batch_size):
            blob = cv2.dnn.blobFromImages(
                list(crops[start : start + self.batch_size]),
                1.0 / INPUT_STD,
                (ALIGNED_SIDE, ALIGNED_SIDE),
                (INPUT_MEAN,) * 3,
                swapRB=True,
            )
            parts.append(self._session.run(None, {self._input_name: blob})[0])
        vectors = np.concatenate(parts).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
        return unit

    def _probe_dim(self) -> int:
        blank = np.zeros((1, 3, ALIGNED_SIDE, ALIGNED_SIDE), np.float32)
        return int(self._session.run(None, {self._input_name: blank})[0].shape[1])
