"""Face quality: the measures a caller needs to skip faces that cannot be recognised reliably."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.config import RecognizerConfig
from recognizer.detector import Detection
from recognizer.pose import estimate_pose

# Sharpness is measured inside the aligned crop only, away from the black borders that
# warping a face at the frame edge leaves (their edges would read as sharp).
_SHARPNESS_WINDOW = slice(16, 96)


@dataclass(frozen=True)
class FaceQuality:
    det_score: float
    size_px: float  # shorter side of the face box in frame pixels
    sharpness: float  # variance of the Laplacian of the aligned crop's centre
    yaw: float
    pitch: float
    roll: float
    reasons: tuple[str, ...] = ()  # why the face is unusable; empty when usable

    @property
    def usable(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class QualityGate:
    """Thresholds below which a face is not embedded (see RecognizerConfig for the numbers)."""

    min_face_px: float
    min_det_score: float
    min_sharpness: float
    max_yaw: float
    max_pitch: float

    @classmethod
    def from_config(cls, config: RecognizerConfig) -> QualityGate:
        return cls(
            min_face_px=config.min_face_px,
            min_det_score=config.min_det_score,
            min_sharpness=config.min_sharpness,
            max_yaw=config.max_yaw,
            max_pitch=config.max_pitch,
        )

    def assess(self, detection: Detection, aligned: np.ndarray) -> FaceQuality:
        pose = estimate_pose(detection.landmarks)
        size = detection.size_px
        sharpness = measure_sharpness(aligned)
        reasons = []
        if size < self.min_face_px:
            reasons.append(f"face too small: {size:.0f} px < {self.min_face_px:.0f} px")
        if detection.score < self.min_det_score:
            reasons.append(
                f"detection score too low: {detection.score:.2f} < {self.min_det_score:.2f}"
            )
        if sharpness < self.min_sharpness:
            reasons.append(f"too blurry: sharpness {sharpness:.1f} < {self.min_sharpness:.1f}")
        if abs(pose.yaw) > self.max_yaw:
            reasons.append(f"head turned too far: yaw {pose.yaw:.0f}° > {self.max_yaw:.0f}°")
        if abs(pose.pitch) > self.max_pitch:
            reasons.append(f"head tilted too far: pitch {pose.pitch:.0f}° > {self.max_pitch:.0f}°")
        return FaceQuality(
            det_score=detection.score,
            size_px=size,
            sharpness=sharpness,
            yaw=pose.yaw,
            pitch=pose.pitch,
            roll=pose.roll,
            reasons=tuple(reasons),
        )


def measure_sharpness(aligned: np.ndarray) -> float:
    grey = cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY)
    centre = grey[_SHARPNESS_WINDOW, _SHARPNESS_WINDOW]
    return float(cv2.Laplacian(centre, cv2.CV_64F).var())
