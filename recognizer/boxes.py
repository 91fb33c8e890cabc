"""Face box overlap: intersection over union and greedy non-maximum suppression.

Boxes are rows of x1, y1, x2, y2. Two conventions are kept apart on purpose: continuous
coordinates (the tracker, the detector's merge of its two passes, the evaluation's matching)
and InsightFace's inclusive pixels (+1 on each side), which its NMS uses and which the parity
test holds us to, so the same boxes survive as there.
"""

from __future__ import annotations

import numpy as np


def iou_matrix(a: np.ndarray, b: np.ndarray, *, inclusive_pixels: bool = False) -> np.ndarray:
    """(len(a), len(b)) intersection over union; 0 between boxes without area."""
    pixel = 1.0 if inclusive_pixels else 0.0
    return _iou(a[:, None], _areas(a, pixel)[:, None], b[None], _areas(b, pixel)[None], pixel)


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression in inclusive pixels: the indices kept, best score first;
    a box is dropped when its IoU with a better one kept exceeds `threshold`."""
    order = np.argsort(-scores, kind="stable")
    areas = _areas(boxes, 1.0)  # once: the loop below runs once per box kept
    keep: list[int] = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(int(best))
        overlap = _iou(boxes[best], areas[best], boxes[rest], areas[rest], 1.0)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=np.intp)


def _areas(boxes: np.ndarray, pixel: float) -> np.ndarray:
    areas: np.ndarray = (boxes[..., 2] - boxes[..., 0] + pixel) * (
        boxes[..., 3] - boxes[..., 1] + pixel
    )
    return areas


def _iou(
    a: np.ndarray, area_a: np.ndarray, b: np.ndarray, area_b: np.ndarray, pixel: float
) -> np.ndarray:
    """IoU of boxes `a` and `b` (broadcast against each other) of known areas."""
    w = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    h = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    inter = np.maximum(0.0, w + pixel) * np.maximum(0.0, h + pixel)
    iou: np.ndarray = inter / np.maximum(area_a + area_b - inter, 1e-9)
    return iou
