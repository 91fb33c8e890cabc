"""The face pipeline: frames in, detected, quality-checked and embedded faces out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recognizer.alignment import align_face
from recognizer.config import RecognizerConfig
from recognizer.detector import Detection, SCRFDDetector
from recognizer.embedder import ArcFaceEmbedder
from recognizer.model_pack import ModelPack, locate_model_pack
from recognizer.mosaic import pack
from recognizer.providers import choose_providers, open_session
from recognizer.quality import FaceQuality, QualityGate

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Face:
    bbox: np.ndarray  # (4,) float32 x1, y1, x2, y2 in frame pixels
    landmarks: np.ndarray  # (5, 2) float32
    det_score: float
    quality: FaceQuality
    embedding: np.ndarray | None  # (dim,) float32 unit vector; None when not usable

    @property
    def usable(self) -> bool:
        return self.embedding is not None


class FaceAnalyzer:
    """Detection, alignment, quality gate and embedding over ONNX Runtime sessions.

    Synchronous and CPU/GPU bound: async callers run it in an executor. It holds no state that
    changes after construction, so one instance may serve several threads.
    """

    def __init__(
        self,
        pack: ModelPack,
        detector: SCRFDDetector,
        embedder: ArcFaceEmbedder,
        gate: QualityGate,
        providers: dict[str, list[str]],
    ) -> None:
        self._pack = pack
        self._detector = detector
        self._embedder = embedder
        self._gate = gate
        self._providers = providers

    @classmethod
    def from_config(cls, config: RecognizerConfig) -> FaceAnalyzer:
        """Load the model pack on the configured providers; ModelPackError/ProviderError when
        a file is missing or wrong, or (strict) a model would not run where asked."""
        pack = locate_model_pack(config.model_pack)
        providers = choose_providers(config.providers, strict=config.strict_providers)
        det = open_session(pack.detector, providers, strict=config.strict_providers)
        rec = open_session(
            pack.recognizer, providers, strict=config.strict_providers, quiet_shape_warnings=True
        )
        detector = SCRFDDetector(
            det.session,
            pack.detector,
            input_size=config.det_size,
            score_threshold=config.det_threshold,
            nms_threshold=config.nms_threshold,
            batch_size=config.det_batch_size,
            large_face_pass=config.large_face_pass,
        )
        embedder = ArcFaceEmbedder(rec.session, pack.recognizer, batch_size=config.batch_size)
        used = {pack.detector.name: list(det.used), pack.recognizer.name: list(rec.used)}
        logger.info("face analyzer ready", extra={"pack": pack.name, "providers": used})
        return cls(pack, detector, embedder, QualityGate.from_config(config), used)

    @property
    def pack_name(self) -> str:
        return self._pack.name

    @property
    def embedding_dim(self) -> int:
        return self._embedder.dim

    @property
    def providers(self) -> dict[str, list[str]]:
        """Model file name -> the providers ONNX Runtime really runs it on."""
        return {name: list(used) for name, used in self._providers.items()}

    @property
    def detector(self) -> SCRFDDetector:
        return self._detector

    @property
    def gate(self) -> QualityGate:
        return self._gate

    def detect(self, frames: Sequence[np.ndarray]) -> list[list[Detection]]:
        """Faces in each BGR uint8 frame, batched, best score first."""
        return self._detector.detect(frames)

    def scan(
        self, frames: Sequence[np.ndarray], max_size: tuple[int, int]
    ) -> list[list[Detection]]:
        """Faces in each whole frame at up to `max_size` detector pixels (see
        `SCRFDDetector.scan`), best score first."""
        return self._detector.scan(frames, max_size)

    def find_around(
        self, frames: Sequence[np.ndarray], boxes: Sequence[Sequence[np.ndarray]]
    ) -> list[list[Detection]]:
        """Faces near the given boxes of each frame only (faces being followed), found in
        mosaics of their neighbourhoods; frames without boxes cost nothing."""
        if not any(boxes):
            return [[] for _ in frames]
        return self._detector.find_in(pack(frames, boxes), len(frames))

    def embed(self, frame: np.ndarray, detections: Sequence[Detection]) -> np.ndarray:
        """(N, dim) unit embeddings of the given faces of one frame, whatever their quality."""
        return self._embedder.embed([align_face(frame, d.landmarks) for d in detections])

    def assess(
        self, frame: np.ndarray, detections: Sequence[Detection]
    ) -> list[tuple[FaceQuality, np.ndarray]]:
        """The quality and aligned 112 px crop of each given face of one frame, not embedded
        (a caller that tracks faces embeds only the crops it still needs)."""
        assessed = []
        for detection in detections:
            crop = align_face(frame, detection.landmarks)
            assessed.append((self._gate.assess(detection, crop), crop))
        return assessed

    def embed_crops(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(N, dim) unit embeddings of aligned crops (from `assess`), in batches."""
        return self._embedder.embed(crops)

    def analyze(self, frames: Sequence[np.ndarray]) -> list[list[Face]]:
        """Detect in all frames in batches, then embed every usable face in one batched run."""
        detections = self.detect(frames)
        assessed: list[list[tuple[Detection, FaceQuality, np.ndarray]]] = []
        usable_crops: list[np.ndarray] = []
        for frame, found in zip(frames, detections, strict=True):
            row = []
            for detection, (quality, crop) in zip(found, self.assess(frame, found), strict=True):
                if quality.usable:
                    usable_crops.append(crop)
                row.append((detection, quality, crop))
            assessed.append(row)
        vectors = iter(self._embedder.embed(usable_crops))
        return [
            [
                Face(
                    bbox=detection.bbox,
                    landmarks=detection.landmarks,
                    det_score=detection.score,
                    quality=quality,
                    embedding=next(vectors) if quality.usable else None,
                )
                for detection, quality, _crop in row
            ]
            for row in assessed
        ]
