"""SCRFD face detection on ONNX Runtime: letterbox, batched inference, anchor decoding, NMS.

Decoding follows InsightFace's SCRFD (anchor centres per stride, distance-to-box and
distance-to-landmark offsets, greedy NMS) without depending on the `insightface` package, and
keeps separate x and y scale factors so boxes map back exactly on any frame shape.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import cv2
import numpy as np
import onnxruntime as ort

from recognizer.boxes import iou_matrix, nms
from recognizer.errors import ImageError, ModelPackError
from recognizer.letterbox import Letterbox, letterbox, padded_letterbox
from recognizer.model_pack import ModelSignature, Role, require_role
from recognizer.mosaic import Mosaic

logger = logging.getLogger(__name__)

INPUT_MEAN = 127.5
INPUT_STD = 128.0
# SCRFD's scores collapse when a face fills most of the input (its anchors and training crops
# never show a face touching all four borders). The large-face pass shows each frame again,
# centred on a padded canvas of half the primary's width and height, at LARGE_FACE_SCALE of the
# scale that would fit it there (so a fifth of its primary scale), and keeps from it only faces
# whose shorter side is at least LARGE_FACE_MIN_SHARE of the frame's shorter side that the
# primary pass did not find (where both found a face, the primary's finer box wins).
LARGE_FACE_SCALE = 0.4
LARGE_FACE_MIN_SHARE = 0.3


@dataclass(frozen=True)
class Detection:
    """One face in frame pixel coordinates."""

    bbox: np.ndarray  # (4,) float32 x1, y1, x2, y2
    landmarks: np.ndarray  # (5, 2) float32: eyes, nose, mouth corners (subject's right first)
    score: float

    @property
    def size_px(self) -> float:
        return float(min(self.bbox[2] - self.bbox[0], self.bbox[3] - self.bbox[1]))


@dataclass(frozen=True)
class _Candidates:
    """Pre-NMS detections of one frame: boxes (N, 4), scores (N,), landmarks (N, 5, 2)."""

    boxes: np.ndarray
    scores: np.ndarray
    landmarks: np.ndarray

    @classmethod
    def empty(cls) -> _Candidates:
        return cls(
            np.zeros((0, 4), np.float32),
            np.zeros((0,), np.float32),
            np.zeros((0, 5, 2), np.float32),
        )

    @classmethod
    def concat(cls, parts: Sequence[_Candidates]) -> _Candidates:
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.boxes for p in parts]),
            np.concatenate([p.scores for p in parts]),
            np.concatenate([p.landmarks for p in parts]),
        )

    def select(self, keep: np.ndarray) -> _Candidates:
        return _Candidates(self.boxes[keep], self.scores[keep], self.landmarks[keep])


class SCRFDDetector:
    """Batched SCRFD detection. Immutable after construction, so safe to share across threads
    (ONNX Runtime sessions allow concurrent `run`)."""

    def __init__(
        self,
        session: ort.InferenceSession,
        path: Path,
        *,
        input_size: tuple[int, int] = (640, 640),
        score_threshold: float = 0.5,
        nms_threshold: float = 0.4,
        batch_size: int = 8,
        large_face_pass: bool = True,
    ) -> None:
        signature = ModelSignature.of(session)
        require_role(signature, Role.DETECTOR, path)
        self._session = session
        self._input_name = signature.inputs[0].name
        self._output_names = [o.name for o in signature.outputs]
        levels = len(signature.outputs) // 3
        self._strides = (8, 16, 32, 64, 128)[:levels]
        self._anchors_per_cell = 2 if levels == 3 else 1
        # Older SCRFD exports drop the batch axis from their outputs ((N, C) instead of
        # (B, N, C)); those, and inputs with a fixed batch, run one frame at a time.
        batch_dim = signature.inputs[0].shape[0]
        self._batched_outputs = len(signature.outputs[0].shape) == 3
        self.batch_size = batch_size if self._batched_outputs and not _is_fixed(batch_dim) else 1
        fixed_h, fixed_w = signature.inputs[0].shape[2:]
        if _is_fixed(fixed_h) and _is_fixed(fixed_w):
            if input_size != (int(fixed_w), int(fixed_h)):
                logger.warning(
                    "%s has a fixed %sx%s input; det_size %s is ignored",
                    path.name,
                    fixed_w,
                    fixed_h,
                    input_size,
                    extra={"model": path.name},
                )
            input_size = (int(fixed_w), int(fixed_h))
            large_face_pass = False  # no second input size to run the large-face pass at
        self.input_size = input_size
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        # Half the primary size, kept on SCRFD's 32-pixel stride grid.
        self._large_face_size = (input_size[0] // 64 * 32, input_size[1] // 64 * 32)
        self.large_face_pass = large_face_pass and min(self._large_face_size) >= 64
        self._path = path

    def detect(self, frames: Sequence[np.ndarray]) -> list[list[Detection]]:
        """Faces in each BGR uint8 frame, best score first."""
        for frame in frames:
            _check_frame(frame)
        return self._with_large_faces(self.detect_primary(frames), frames)

    def scan(
        self, frames: Sequence[np.ndarray], max_size: tuple[int, int]
    ) -> list[list[Detection]]:
        """Faces in each whole frame, each seen at its own size up to `max_size` (width,
        height) rather than squeezed into the fixed input: a 1080p classroom's back row keeps
        enough pixels per face to be found, a 640x480 webcam is not blown up. Frames of the
        same size share batches; the large-face pass runs as in `detect`."""
        for frame in frames:
            _check_frame(frame)
        found: list[list[Detection]] = [[] for _ in frames]
        by_size: dict[tuple[int, int], list[int]] = {}
        for index, frame in enumerate(frames):
            by_size.setdefault(scan_size(frame.shape, max_size), []).append(index)
        for size, indices in by_size.items():
            candidates = self._pass([letterbox(frames[i], size) for i in indices])
            for index, candidate in zip(indices, candidates, strict=True):
                found[index] = self._suppress(candidate)
        return self._with_large_faces(found, frames)

    def _with_large_faces(
        self, found: list[list[Detection]], frames: Sequence[np.ndarray]
    ) -> list[list[Detection]]:
        """`found` plus the faces only the large-face pass sees (when it is on)."""
        if not self.large_face_pass:
            return found
        large = self._pass(
            [padded_letterbox(f, self._large_face_size, LARGE_FACE_SCALE) for f in frames]
        )
        return [
            _merge(primary, self._suppress(_only_large(extra, frame)), self.nms_threshold)
            for primary, extra, frame in zip(found, large, frames, strict=True)
        ]

    def find_in(self, mosaics: Sequence[Mosaic], frames: int) -> list[list[Detection]]:
        """Faces found in the cells of `mosaics`, in the coordinates of the `frames` frames
        the cells were cut from (per frame, best score first). A face is kept by the cell its
        centre lies in; a face cut by a cell's edge and also found whole in a neighbouring
        cell is merged by non-maximum suppression."""
        per_frame: list[list[_Candidates]] = [[] for _ in range(frames)]
        for mosaic in mosaics:
            canvas = Letterbox(mosaic.canvas, 1.0, 1.0)
            (candidates,) = [self._decode(self._run([mosaic.canvas]), 0, canvas)]
            centres = (candidates.boxes[:, :2] + candidates.boxes[:, 2:]) / 2
            for index, (x, y) in enumerate(centres):
                cell = mosaic.cell_at(float(x), float(y))
                if cell is None:
                    continue
                per_frame[cell.frame_index].append(
                    _Candidates(
                        cell.to_frame(candidates.boxes[index].reshape(1, 2, 2)).reshape(1, 4),
                        candidates.scores[index : index + 1],
                        cell.to_frame(candidates.landmarks[index : index + 1]),
                    )
                )
        return [self._suppress(_Candidates.concat(parts)) for parts in per_frame]

    def detect_primary(self, frames: Sequence[np.ndarray]) -> list[list[Detection]]:
        """The plain single-scale pass, as InsightFace runs it (for parity checks)."""
        candidates = self._pass([letterbox(f, self.input_size) for f in frames])
        return [self._suppress(c) for c in candidates]

    def _pass(self, boxes: list[Letterbox]) -> list[_Candidates]:
        found: list[_Candidates] = []
        for start in range(0, len(boxes), self.batch_size):
            chunk = boxes[start : start + self.batch_size]
            outputs = self._run([b.canvas for b in chunk])
            for index, box in enumerate(chunk):
                found.append(self._decode(outputs, index, box))
        return found

    def _run(self, canvases: list[np.ndarray]) -> list[np.ndarray]:
        blob = cv2.dnn.blobFromImages(
            canvases, 1.0 / INPUT_STD, (0, 0), (INPUT_MEAN,) * 3, swapRB=True
        )
        outputs: list[np.ndarray] = self._session.run(self._output_names, {self._input_name: blob})
        return outputs

    def _decode(self, outputs: list[np.ndarray], index: int, box: Letterbox) -> _Candidates:
        levels = len(self._strides)
        canvas_h, canvas_w = box.canvas.shape[:2]
        parts = []
        for level, stride in enumerate(self._strides):
            scores, deltas, kps = (
                outputs[level + kind * levels][index]
                if self._batched_outputs
                else outputs[level + kind * levels]
                for kind in range(3)
            )
            scores = scores.reshape(-1)
            keep = np.flatnonzero(scores >= self.score_threshold)
            if keep.size == 0:
                continue
            centres = self._anchor_centres(canvas_h // stride, canvas_w // stride, stride)
            if centres.shape[0] != scores.shape[0]:
                raise ModelPackError(
                    f"{self._path}: stride {stride} output has {scores.shape[0]} anchors, "
                    f"expected {centres.shape[0]} for a {canvas_w}x{canvas_h} input"
                )
            centres = centres[keep]
            d = deltas[keep] * stride
            boxes = np.stack(
                [
                    centres[:, 0] - d[:, 0],
                    centres[:, 1] - d[:, 1],
                    centres[:, 0] + d[:, 2],
                    centres[:, 1] + d[:, 3],
                ],
                axis=-1,
            )
            marks = centres[:, None, :] + kps[keep].reshape(-1, 5, 2) * stride
            parts.append(
                _Candidates(
                    box.to_frame(boxes.reshape(-1, 2, 2)).reshape(-1, 4),
                    scores[keep],
                    box.to_frame(marks),
                )
            )
        return _Candidates.concat(parts)

    def _anchor_centres(self, rows: int, cols: int, stride: int) -> np.ndarray:
        grid = np.moveaxis(np.mgrid[:rows, :cols][::-1], 0, -1).astype(np.float32) * stride
        return np.repeat(grid.reshape(-1, 2), self._anchors_per_cell, axis=0)

    def _suppress(self, candidates: _Candidates) -> list[Detection]:
        keep = nms(candidates.boxes, candidates.scores, self.nms_threshold)
        kept = candidates.select(keep)
        return [
            Detection(
                kept.boxes[i].astype(np.float32),
                kept.landmarks[i].astype(np.float32),
                float(kept.scores[i]),
            )
            for i in range(len(keep))
        ]


def _merge(primary: list[Detection], large: list[Detection], threshold: float) -> list[Detection]:
    """Add large-pass faces the primary pass missed; where both found a face, the primary's
    finer box and landmarks win whatever the scores."""
    if not large or not primary:
        return primary or large
    held = np.stack([d.bbox for d in primary])
    extra = [d for d in large if iou_matrix(d.bbox[None], held).max() <= threshold]
    return sorted(primary + extra, key=lambda d: -d.score)


def _only_large(candidates: _Candidates, frame: np.ndarray) -> _Candidates:
    sides = np.minimum(
        candidates.boxes[:, 2] - candidates.boxes[:, 0],
        candidates.boxes[:, 3] - candidates.boxes[:, 1],
    )
    return candidates.select(np.flatnonzero(sides >= LARGE_FACE_MIN_SHARE * min(frame.shape[:2])))


def scan_size(shape: tuple[int, ...], max_size: tuple[int, int]) -> tuple[int, int]:
    """The detector input for a whole frame of `shape`: the frame's own size, shrunk (aspect
    kept) to fit `max_size`, rounded up to SCRFD's 32-pixel grid."""
    height, width = shape[:2]
    scale = min(1.0, max_size[0] / width, max_size[1] / height)
    return (
        max(32, math.ceil(width * scale / 32) * 32),
        max(32, math.ceil(height * scale / 32) * 32),
    )


def _check_frame(frame: np.ndarray) -> None:
    if not (
        isinstance(frame, np.ndarray)
        and frame.dtype == np.uint8
        and frame.ndim == 3
        and frame.shape[2] == 3
        and min(frame.shape[:2]) > 0
    ):
        shape = getattr(frame, "shape", None)
        dtype = getattr(frame, "dtype", type(frame).__name__)
        raise ImageError(f"frames must be HxWx3 BGR uint8 arrays, got shape {shape} {dtype}")


def _is_fixed(dim: object) -> TypeGuard[int]:
    return isinstance(dim, int) and dim > 0
