"""Who is in a generated classroom: students, strangers and absentees drawn from labels.csv.

A photo counts only if the detector finds its dominant face, clear and large enough to be
recognised from (or to be shown scaled down); photos are detected lazily, identity by
identity in the seeded order, so a level needs only a hundred-odd detections, not all 903.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognizer.analyzer import FaceAnalyzer
from recognizer.detector import Detection
from recognizer.evaluation import read_identities
from recognizer.images import load_image
from web.demo.errors import DemoError
from web.domain.enrolment import PhotoRules

MIN_SCORE = 0.5
MIN_FACE_PX = 40.0  # the shorter side of the dominant face's box in the photo

STUDENT, STRANGER, ABSENT = "student", "stranger", "absent"


@dataclass(frozen=True, eq=False)
class UsablePhoto:
    path: Path  # absolute
    bbox: tuple[float, float, float, float]  # the dominant face, x1, y1, x2, y2 photo pixels
    others: tuple[np.ndarray, ...]  # every other face found, to paint over when shown


@dataclass(frozen=True, eq=False)
class CastPerson:
    identity: str
    role: str  # STUDENT, STRANGER or ABSENT
    shown: UsablePhoto | None  # the photo seen in the video; None for absentees
    enrol: tuple[Path, ...]  # roster photos (never the shown one); () for strangers


def cast_classroom(
    faces_dir: Path,
    analyzer: FaceAnalyzer,
    *,
    students: int,
    strangers: int,
    absentees: int,
    enrol_photos: int,
    seed: int,
) -> list[CastPerson]:
    """Students, then strangers, then absentees, each drawn from its own seeded order of all
    identities, so changing one count leaves the other roles' first picks as they were."""
    photos = _photos_by_identity(faces_dir)
    usable = _UsableFinder(faces_dir, analyzer)
    # (role, how many, photos wanted each, photos needed at least): a student is shown one
    # photo and enrolled from `enrol_photos` others, as a school enrols several photos each.
    roles = (
        (STUDENT, students, 1 + enrol_photos, 1 + enrol_photos),
        (STRANGER, strangers, 1, 1),
        (ABSENT, absentees, enrol_photos, 1),
    )
    cast: list[CastPerson] = []
    for (role, count, wanted, least), role_seed in zip(
        roles, np.random.SeedSequence(seed).spawn(len(roles)), strict=True
    ):
        taken = {person.identity for person in cast}
        rng = np.random.default_rng(role_seed)
        drawn: list[CastPerson] = []
        for identity in (str(name) for name in rng.permutation(sorted(photos))):
            if len(drawn) == count:
                break
            if identity in taken or len(photos[identity]) < least:
                continue
            order = [photos[identity][i] for i in rng.permutation(len(photos[identity]))]
            found = usable.first(order, wanted)
            if len(found) >= least:
                drawn.append(_person(identity, role, found))
        if len(drawn) < count:
            raise DemoError(
                f"only {len(drawn)} usable identities for {count} {role}s in {faces_dir}"
            )
        cast.extend(drawn)
    return cast


def _person(identity: str, role: str, found: Sequence[UsablePhoto]) -> CastPerson:
    if role == ABSENT:
        return CastPerson(identity, role, None, tuple(photo.path for photo in found))
    enrol = tuple(photo.path for photo in found[1:]) if role == STUDENT else ()
    return CastPerson(identity, role, found[0], enrol)


def _photos_by_identity(faces_dir: Path) -> dict[str, list[str]]:
    photos: dict[str, list[str]] = defaultdict(list)
    for label in read_identities(faces_dir / "labels.csv"):
        photos[label.identity].append(label.path)
    return {identity: sorted(paths) for identity, paths in photos.items()}


# The enrolment rule's (web.domain.enrolment.PhotoRules.rival_face_ratio): a photo with another face
# this large beside the person's is refused there, so it is never chosen here.
RIVAL_FACE_RATIO = PhotoRules().rival_face_ratio


class _UsableFinder:
    """Detects photos on demand, remembering each answer (an identity refused as a student
    for too few usable photos may still be drawn as a stranger)."""

    def __init__(self, faces_dir: Path, analyzer: FaceAnalyzer) -> None:
        self._faces_dir = faces_dir.resolve()
        self._analyzer = analyzer
        self._seen: dict[str, UsablePhoto | None] = {}

    def first(self, paths: Sequence[str], wanted: int) -> list[UsablePhoto]:
        """Up to `wanted` usable photos among `paths`, in their order."""
        found: list[UsablePhoto] = []
        for path in paths:
            if len(found) == wanted:
                break
            if path not in self._seen:
                self._seen[path] = self._measure(self._faces_dir / path)
            if (photo := self._seen[path]) is not None:
                found.append(photo)
        return found

    def _measure(self, path: Path) -> UsablePhoto | None:
        image = load_image(path)
        detections = self._analyzer.detect([image])[0]
        face = _dominant(detections, image.shape)
        if face is None or face.score < MIN_SCORE:
            return None
        x1, y1, x2, y2 = (float(v) for v in face.bbox[:4])
        if min(x2 - x1, y2 - y1) < MIN_FACE_PX:
            return None
        others = tuple(d.bbox for d in detections if d is not face)
        if any(d is not face and d.size_px >= RIVAL_FACE_RATIO * face.size_px for d in detections):
            return (
                None  # the service refuses to enrol it (whose photo is it?); shown, it is ambiguous
            )
        return UsablePhoto(path, (x1, y1, x2, y2), others)


def _dominant(detections: Sequence[Detection], shape: tuple[int, ...]) -> Detection | None:
    """The largest, most central face: recognizer.evaluation.dominant's rule (area minus
    twice the squared distance of the box centre from the photo's centre)."""
    if not detections:
        return None
    centre_x, centre_y = shape[1] / 2, shape[0] / 2

    def weight(detection: Detection) -> float:
        x1, y1, x2, y2 = (float(v) for v in detection.bbox[:4])
        dx, dy = (x1 + x2) / 2 - centre_x, (y1 + y2) / 2 - centre_y
        return (x2 - x1) * (y2 - y1) - 2.0 * (dx * dx + dy * dy)

    return max(detections, key=weight)
