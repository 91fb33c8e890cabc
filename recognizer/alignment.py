"""Face alignment: a similarity transform of the 5 landmarks onto the ArcFace template."""

from __future__ import annotations

import cv2
import numpy as np

ALIGNED_SIDE = 112

# InsightFace's `arcface_dst`: where eyes, nose tip and mouth corners sit in a 112x112 crop.
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)


def similarity_transform(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2x3 least-squares similarity (rotation, uniform scale, shift) taking source to
    target: Umeyama (1991), the estimate scikit-image's SimilarityTransform makes."""
    src = source.astype(np.float64)
    dst = target.astype(np.float64)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    covariance = dst_c.T @ src_c / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    reflect = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:  # keep a rotation, never a mirror
        reflect[1, 1] = -1
    rotation = u @ reflect @ vt
    variance = src_c.var(axis=0).sum()
    scale = (singular * np.diag(reflect)).sum() / variance if variance > 0 else 1.0
    shift = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, shift[:, None]])


def alignment_matrix(landmarks: np.ndarray) -> np.ndarray:
    return similarity_transform(landmarks, ARCFACE_TEMPLATE)


def align_face(frame: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The 112x112 BGR crop ArcFace expects, warped from the frame by the 5 landmarks."""
    matrix = alignment_matrix(landmarks)
    return cv2.warpAffine(frame, matrix, (ALIGNED_SIDE, ALIGNED_SIDE), borderValue=0.0)
