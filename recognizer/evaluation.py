"""Accuracy of the face pipeline on labelled photos: detection, verification, identification.

Each evaluation has two halves: measuring photos (the expensive model runs, done once per photo)
and scoring (pure arithmetic on the measured faces), so one measurement can be scored several
ways, e.g. when calibrating the decision rule.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognizer.analyzer import Face, FaceAnalyzer
from recognizer.boxes import iou_matrix
from recognizer.decision import NO_SECOND_SCORE, decide
from recognizer.detector import Detection
from recognizer.errors import RecognizerError
from recognizer.images import load_image

IOU_MATCH = 0.5
FAR_TARGET = 1e-3
_CHUNK = 8  # frames decoded and analysed together: bounds memory on large photos


@dataclass(frozen=True)
class PhotoFace:
    """The dominant face of a photo: its embedding (computed even when the quality gate would
    reject it, so that model accuracy and the product's gate can be told apart)."""

    embedding: np.ndarray
    usable: bool
    size_px: float


@dataclass(frozen=True)
class DetectionReport:
    recall: float
    precision: float
    missed: int
    ground_truth: int
    detections: int
    images: int


@dataclass(frozen=True)
class VerificationReport:
    accuracy: float
    best_accuracy: float
    best_threshold: float
    tar_at_far_1e_3: float
    no_face: int
    pairs: int
    threshold: float

    def as_json(self) -> dict[str, float | int]:
        # "tar_at_far_1e-3" is the command's documented key; Python names cannot hold "-".
        return {
            "accuracy": self.accuracy,
            "best_accuracy": self.best_accuracy,
            "best_threshold": self.best_threshold,
            "tar_at_far_1e-3": self.tar_at_far_1e_3,
            "no_face": self.no_face,
            "pairs": self.pairs,
            "threshold": self.threshold,
        }


@dataclass(frozen=True)
class IdentificationReport:
    rank1: float
    accepted_correct: float
    stranger_false_accept: float
    enrolled: int
    probes: int
    strangers: int
    no_face: int
    threshold: float
    margin: float


@dataclass(frozen=True)
class BoxLabel:
    path: str
    box: np.ndarray  # x1, y1, x2, y2


@dataclass(frozen=True)
class PairLabel:
    path_a: str
    path_b: str
    same: bool


@dataclass(frozen=True)
class IdentityLabel:
    path: str
    identity: str


def read_boxes(csv_path: Path) -> list[BoxLabel]:
    return [
        BoxLabel(
            row["path"],
            np.array(
                [
                    float(row["left"]),
                    float(row["top"]),
                    float(row["left"]) + float(row["width"]),
                    float(row["top"]) + float(row["height"]),
                ],
                dtype=np.float32,
            ),
        )
        for row in _rows(csv_path, ("path", "left", "top", "width", "height"))
    ]


def read_pairs(csv_path: Path) -> list[PairLabel]:
    return [
        PairLabel(row["path_a"], row["path_b"], row["same"].strip() == "1")
        for row in _rows(csv_path, ("path_a", "path_b", "same"))
    ]


def read_identities(csv_path: Path) -> list[IdentityLabel]:
    return [
        IdentityLabel(row["path"], row["identity"]) for row in _rows(csv_path, ("path", "identity"))
    ]


def _rows(csv_path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    try:
        with csv_path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                raise RecognizerError(f"{csv_path}: missing column(s) {missing}")
            return list(reader)
    except OSError as error:
        raise RecognizerError(f"{csv_path}: cannot read: {error.strerror or error}") from error


def dominant(faces: Sequence[Face], frame_shape: tuple[int, ...]) -> Face | None:
    """The largest, most central face (InsightFace's choice: area minus twice the squared
    distance of the box centre from the frame centre)."""
    if not faces:
        return None
    centre = np.array([frame_shape[1] / 2, frame_shape[0] / 2])

    def weight(face: Face) -> float:
        x1, y1, x2, y2 = face.bbox
        offset = np.array([(x1 + x2) / 2, (y1 + y2) / 2]) - centre
        return float((x2 - x1) * (y2 - y1) - 2.0 * offset @ offset)

    return max(faces, key=weight)


def measure_photos(
    analyzer: FaceAnalyzer, root: Path, paths: Iterable[str]
) -> dict[str, PhotoFace | None]:
    """The dominant face of every photo (None when no face is found), in batches."""
    unique = list(dict.fromkeys(paths))
    measured: dict[str, PhotoFace | None] = {}
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        frames = [load_image(root / path) for path in chunk]
        for path, frame, faces in zip(chunk, frames, analyzer.analyze(frames), strict=True):
            face = dominant(faces, frame.shape)
            if face is None:
                measured[path] = None
                continue
            embedding = face.embedding
            if embedding is None:
                detection = Detection(face.bbox, face.landmarks, face.det_score)
                embedding = analyzer.embed(frame, [detection])[0]
            measured[path] = PhotoFace(embedding, face.usable, face.quality.size_px)
    return measured


def evaluate_detection(analyzer: FaceAnalyzer, boxes_csv: Path) -> DetectionReport:
    """Recall and precision at IoU >= 0.5 against ground-truth boxes."""
    labels = read_boxes(boxes_csv)
    truth: dict[str, list[np.ndarray]] = {}
    for label in labels:
        truth.setdefault(label.path, []).append(label.box)
    matched = detected = 0
    for path, boxes in truth.items():
        frame = load_image(boxes_csv.parent / path)
        found = analyzer.detect([frame])[0]
        detected += len(found)
        matched += _match_boxes([d.bbox for d in found], boxes)
    total = len(labels)
    return DetectionReport(
        recall=matched / total if total else 0.0,
        precision=matched / detected if detected else 0.0,
        missed=total - matched,
        ground_truth=total,
        detections=detected,
        images=len(truth),
    )


def _match_boxes(found: Sequence[np.ndarray], truth: Sequence[np.ndarray]) -> int:
    """Greedy one-to-one matching, detections in score order (they come sorted)."""
    free = list(truth)
    matched = 0
    for box in found:
        if not free:
            break
        overlaps = iou_matrix(box[None], np.stack(free))[0]
        best = int(np.argmax(overlaps))
        if overlaps[best] >= IOU_MATCH:
            matched += 1
            free.pop(best)
    return matched


def score_verification(
    pairs: Sequence[PairLabel], faces: dict[str, PhotoFace | None], threshold: float
) -> VerificationReport:
    """Same-person decisions by cosine similarity; a pair with a faceless photo is judged
    "different" (scored below any threshold), as the product would."""
    scores = np.empty(len(pairs), dtype=np.float64)
    same = np.array([p.same for p in pairs], dtype=bool)
    no_face = 0
    for i, pair in enumerate(pairs):
        a, b = faces.get(pair.path_a), faces.get(pair.path_b)
        if a is None or b is None:
            no_face += 1
            scores[i] = NO_SECOND_SCORE - 1.0
        else:
            scores[i] = float(a.embedding @ b.embedding)
    best_accuracy, best_threshold = _best_split(scores, same)
    return VerificationReport(
        accuracy=float(np.mean((scores >= threshold) == same)) if len(pairs) else 0.0,
        best_accuracy=best_accuracy,
        best_threshold=best_threshold,
        tar_at_far_1e_3=_tar_at_far(scores, same, FAR_TARGET),
        no_face=no_face,
        pairs=len(pairs),
        threshold=threshold,
    )


def _best_split(scores: np.ndarray, same: np.ndarray) -> tuple[float, float]:
    """The accuracy-maximising threshold, midway between neighbouring scores."""
    ordered = np.sort(np.unique(scores))
    cuts = np.concatenate(([ordered[0] - 1e-6], (ordered[1:] + ordered[:-1]) / 2))
    accuracies = [float(np.mean((scores >= cut) == same)) for cut in cuts]
    best = int(np.argmax(accuracies))
    return accuracies[best], float(cuts[best])


def _tar_at_far(scores: np.ndarray, same: np.ndarray, far: float) -> float:
    """Share of genuine pairs accepted at the lowest threshold whose false accepts stay within
    `far` of the impostor pairs (with few impostors this means: above every impostor)."""
    impostors = np.sort(scores[~same])[::-1]
    genuine = scores[same]
    if impostors.size == 0 or genuine.size == 0:
        return 0.0
    allowed = int(np.floor(far * impostors.size))
    threshold = impostors[allowed] if allowed < impostors.size else -np.inf
    return float(np.mean(genuine > threshold))


def score_identification(
    labels: Sequence[IdentityLabel],
    faces: dict[str, PhotoFace | None],
    threshold: float,
    margin: float,
) -> IdentificationReport:
    """Enrol the first photo of every identity with two or more photos, probe the others, and
    probe single-photo identities as strangers; the open-set rule decides acceptance."""
    by_identity: dict[str, list[str]] = {}
    for label in labels:
        by_identity.setdefault(label.identity, []).append(label.path)
    enrolled_ids: list[str] = []
    gallery: list[np.ndarray] = []
    probes: list[tuple[str, str]] = []
    strangers: list[str] = []
    for identity, paths in by_identity.items():
        if len(paths) == 1:
            strangers.extend(paths)
            continue
        template = faces.get(paths[0])
        if template is not None:
            enrolled_ids.append(identity)
            gallery.append(template.embedding)
        probes.extend((path, identity) for path in paths[1:])
    matrix = np.stack(gallery) if gallery else np.zeros((0, 1), np.float32)

    def nearest(path: str) -> tuple[str | None, bool, bool]:
        """(best identity, accepted by the rule, face found)."""
        face = faces.get(path)
        if face is None or not enrolled_ids:
            return None, False, face is not None
        similarities = matrix @ face.embedding
        order = np.argsort(-similarities)
        best = float(similarities[order[0]])
        second = float(similarities[order[1]]) if len(order) > 1 else NO_SECOND_SCORE
        accepted = face.usable and decide(best, second, threshold, margin)
        return enrolled_ids[int(order[0])], accepted, True

    rank1 = correct = no_face = 0
    for path, identity in probes:
        found, accepted, has_face = nearest(path)
        no_face += not has_face
        rank1 += found == identity
        correct += accepted and found == identity
    false_accepts = 0
    for path in strangers:
        _found, accepted, has_face = nearest(path)
        no_face += not has_face
        false_accepts += accepted
    return IdentificationReport(
        rank1=rank1 / len(probes) if probes else 0.0,
        accepted_correct=correct / len(probes) if probes else 0.0,
        stranger_false_accept=false_accepts / len(strangers) if strangers else 0.0,
        enrolled=len(enrolled_ids),
        probes=len(probes),
        strangers=len(strangers),
        no_face=no_face,
        threshold=threshold,
        margin=margin,
    )


def evaluate_verification(
    analyzer: FaceAnalyzer, pairs_csv: Path, threshold: float
) -> VerificationReport:
    pairs = read_pairs(pairs_csv)
    paths = [p for pair in pairs for p in (pair.path_a, pair.path_b)]
    return score_verification(pairs, measure_photos(analyzer, pairs_csv.parent, paths), threshold)


def evaluate_identification(
    analyzer: FaceAnalyzer, labels_csv: Path, threshold: float, margin: float
) -> IdentificationReport:
    labels = read_identities(labels_csv)
    faces = measure_photos(analyzer, labels_csv.parent, [label.path for label in labels])
    return score_identification(labels, faces, threshold, margin)
