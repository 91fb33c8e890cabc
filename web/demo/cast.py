"""The demo's cast: the usable faces of the demo photos, each with its crop and embedding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recognizer.analyzer import FaceAnalyzer
from recognizer.images import load_image
from recognizer.portrait import portrait_jpeg
from web.demo.crops import face_crop
from web.demo.errors import DemoError

# Cosine similarity above which two demo faces are taken for one person: the same man in two
# photos scores 0.64, different people in these photos at most 0.24.
SAME_PERSON = 0.45


@dataclass(frozen=True, eq=False)
class CastMember:
    """One face found in a demo photo."""

    photo: str  # the photo's file name
    bbox: tuple[float, float, float, float]  # in the photo, pixels
    size_px: float
    det_score: float
    embedding: np.ndarray = field(repr=False)  # (dim,) unit vector from the photo itself
    crop: np.ndarray = field(repr=False)  # head and shoulders, BGR, for the video
    portrait: bytes = field(repr=False)  # the board's JPEG of this face

    @property
    def key(self) -> str:
        """A stable name for this face: the photo and where the face is in it."""
        x1, y1, _, _ = self.bbox
        return f"{Path(self.photo).stem}@{round(x1)},{round(y1)}"


def find_cast(analyzer: FaceAnalyzer, photos: Sequence[Path], limit: int) -> list[CastMember]:
    """The `limit` largest faces of different people that pass the quality gate across
    `photos`, largest first (ties broken by photo and position, so the cast is the same on
    every start). Synchronous and CPU bound: run it in a thread."""
    found: list[CastMember] = []
    for path in photos:
        image = load_image(path)
        faces = analyzer.analyze([image])[0]
        for face in faces:
            if face.embedding is None:
                continue
            others = [other.bbox for other in faces if other is not face]
            found.append(
                CastMember(
                    photo=path.name,
                    bbox=tuple(float(v) for v in face.bbox),  # type: ignore[arg-type]
                    size_px=face.quality.size_px,
                    det_score=face.det_score,
                    embedding=face.embedding,
                    crop=face_crop(image, face.bbox, others=others),
                    portrait=portrait_jpeg(image, face.bbox),
                )
            )
    found.sort(key=lambda member: (-member.size_px, member.photo, member.bbox))
    found = _one_face_per_person(found)
    if len(found) < limit:
        raise DemoError(
            f"the demo needs {limit} usable faces in {', '.join(p.name for p in photos)}, "
            f"found {len(found)}"
        )
    return found[:limit]


def _one_face_per_person(faces: list[CastMember]) -> list[CastMember]:
    """Drop faces of someone already in the list (Yao Ming is in two of the demo photos): a
    second face of a student shown as a "stranger" would rightly be recognised."""
    kept: list[CastMember] = []
    for face in faces:
        if all(float(face.embedding @ other.embedding) < SAME_PERSON for other in kept):
            kept.append(face)
    return kept


def split_cast(
    cast: Sequence[CastMember], students: int
) -> tuple[list[CastMember], list[CastMember]]:
    """(students, strangers): every other face by size becomes a student first, so both
    groups hold large and small faces, from every photo."""
    if not 0 < students <= len(cast):
        raise DemoError(f"cannot make {students} of {len(cast)} faces students")
    order = list(range(0, len(cast), 2)) + list(range(1, len(cast), 2))
    chosen = set(order[:students])
    return (
        [m for i, m in enumerate(cast) if i in chosen],
        [m for i, m in enumerate(cast) if i not in chosen],
    )
