"""Enrolment: photos to face templates, exactly one usable face per photo or a refusal saying why.

Shared by the API (uploads, camera snapshots, bulk imports) and `rollcall enroll`. Decoding and
the models run on the caller's CPU runner (an executor), never on the event loop. A set of
photos is enrolled all-or-nothing: nothing is written unless every photo holds one usable face.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import numpy as np

from recognizer.analyzer import Face, FaceAnalyzer
from recognizer.errors import ImageError
from recognizer.images import DEFAULT_MAX_PIXELS, decode_image
from recognizer.portrait import portrait_jpeg
from store.database import Database
from store.templates import FaceTemplate

logger = logging.getLogger(__name__)

CpuRunner = Callable[..., Awaitable[Any]]  # run_cpu(function, *args): the function's result

DEFAULT_MAX_PHOTO_BYTES = 8 * 1024 * 1024


class RefusalReason(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNREADABLE = "unreadable"
    NOT_AN_IMAGE = "not_an_image"
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    LOW_QUALITY = "low_quality"


class PhotoSource(Protocol):
    """A photo to enrol from: uploaded bytes or a file, read only when it is examined."""

    @property
    def filename(self) -> str: ...

    def read(self, limit: int) -> bytes:
        """At most `limit + 1` bytes, so an oversized photo is noticed without reading it all."""
        ...


@dataclass(frozen=True)
class Photo:
    """A photo already in memory (an upload part or a snapshot body)."""

    filename: str
    data: bytes = field(repr=False)

    def read(self, limit: int) -> bytes:
        return self.data[: limit + 1]


@dataclass(frozen=True)
class PhotoFile:
    """A photo on disk (bulk enrolment from a folder)."""

    path: Path

    @property
    def filename(self) -> str:
        return self.path.name

    def read(self, limit: int) -> bytes:
        with self.path.open("rb") as handle:
            return handle.read(limit + 1)


@dataclass(frozen=True)
class PhotoRules:
    max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    # Another face at least this fraction of the enrolled face's size makes the photo
    # ambiguous (whose photo is it?); smaller ones are people in the background.
    rival_face_ratio: float = 0.6
    # A small crop of the face for the teacher's board (the school's `board_photos`).
    keep_portraits: bool = False


@dataclass(frozen=True)
class FoundFace:
    """The one usable face of an accepted photo."""

    filename: str
    embedding: np.ndarray = field(repr=False)  # (dim,) float32 unit vector
    quality: float  # the detector's score
    portrait: bytes | None = field(default=None, repr=False)  # JPEG, when rules keep them


@dataclass(frozen=True)
class PhotoRefusal:
    """Why a photo cannot be enrolled; `index` is its position in what was sent."""

    index: int
    filename: str
    reason: RefusalReason
    message: str
    quality_reasons: tuple[str, ...] = ()


class PhotoRefused(Exception):
    """Raised inside the examination of one photo; becomes a PhotoRefusal with its index."""

    def __init__(
        self, reason: RefusalReason, message: str, quality_reasons: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.quality_reasons = quality_reasons


class PhotosRefused(Exception):
    """At least one photo of a set was refused, so none of them was enrolled."""

    def __init__(self, refusals: Sequence[PhotoRefusal]) -> None:
        super().__init__(f"{len(refusals)} photo(s) refused")
        self.refusals = tuple(refusals)


def find_enrolment_face(analyzer: FaceAnalyzer, photo: PhotoSource, rules: PhotoRules) -> FoundFace:
    """Read, decode and analyse one photo (blocking: run it on an executor).

    PhotoRefused when it is not an image, too large, or does not hold exactly one usable face.
    """
    try:
        data = photo.read(rules.max_photo_bytes)
    except OSError as error:
        raise PhotoRefused(
            RefusalReason.UNREADABLE, f"cannot read the photo: {error.strerror or error}"
        ) from None
    if not data:
        raise PhotoRefused(RefusalReason.EMPTY, "the photo is empty")
    if len(data) > rules.max_photo_bytes:
        raise PhotoRefused(
            RefusalReason.TOO_LARGE,
            f"the photo is over the {rules.max_photo_bytes:,} byte limit per photo",
        )
    try:
        frame = decode_image(data, max_pixels=rules.max_pixels)
    except ImageError as error:
        raise PhotoRefused(RefusalReason.NOT_AN_IMAGE, f"not a usable image: {error}") from None
    faces = analyzer.analyze([frame])[0]
    chosen = _the_one_face(faces, rules)
    assert chosen.embedding is not None
    portrait = portrait_jpeg(frame, chosen.bbox) if rules.keep_portraits else None
    return FoundFace(photo.filename, chosen.embedding, float(chosen.det_score), portrait)


def best_portrait(faces: Sequence[FoundFace]) -> tuple[int, bytes] | None:
    """(index, JPEG) of the portrait to keep from a set: the best-scored face that has one."""
    kept = [(face.quality, index) for index, face in enumerate(faces) if face.portrait]
    if not kept:
        return None
    _, index = max(kept)
    image = faces[index].portrait
    assert image is not None
    return index, image


def _the_one_face(faces: Sequence[Face], rules: PhotoRules) -> Face:
    if not faces:
        raise PhotoRefused(RefusalReason.NO_FACE, "no face was found in the photo")
    usable = [face for face in faces if face.usable]
    if not usable:
        best = max(faces, key=lambda face: face.quality.size_px)
        raise PhotoRefused(
            RefusalReason.LOW_QUALITY,
            "the face cannot be recognised reliably: " + "; ".join(best.quality.reasons),
            best.quality.reasons,
        )
    chosen = max(usable, key=lambda face: face.quality.size_px)
    rivals = [
        face
        for face in faces
        if face is not chosen
        and face.quality.size_px >= rules.rival_face_ratio * chosen.quality.size_px
    ]
    if rivals:
        raise PhotoRefused(
            RefusalReason.SEVERAL_FACES,
            f"the photo shows {len(rivals) + 1} faces of similar size: send a photo of one person",
        )
    return chosen


class Enroller:
    """Examines photos off the event loop and writes the templates of accepted ones."""

    def __init__(
        self,
        database: Database,
        analyzer: FaceAnalyzer,
        run_cpu: CpuRunner,
        rules: PhotoRules | None = None,
    ) -> None:
        self._database = database
        self._analyzer = analyzer
        self._run_cpu = run_cpu
        self.rules = rules or PhotoRules()

    @property
    def model_pack(self) -> str:
        return self._analyzer.pack_name

    async def examine(self, photos: Sequence[PhotoSource]) -> list[FoundFace | PhotoRefusal]:
        """Each photo's face or refusal, in order; one executor call per photo, so other
        requests' work interleaves with a large upload."""
        results: list[FoundFace | PhotoRefusal] = []
        for index, photo in enumerate(photos):
            try:
                found = await self._run_cpu(find_enrolment_face, self._analyzer, photo, self.rules)
            except PhotoRefused as refused:
                results.append(
                    PhotoRefusal(
                        index,
                        photo.filename,
                        refused.reason,
                        refused.message,
                        refused.quality_reasons,
                    )
                )
            else:
                results.append(found)
        return results

    async def enrol(
        self, person_id: UUID, photos: Sequence[PhotoSource], *, source: str, actor: str
    ) -> list[FaceTemplate]:
        """One template per photo; PhotosRefused (nothing written) if any photo is refused."""
        results = await self.examine(photos)
        refusals = [result for result in results if isinstance(result, PhotoRefusal)]
        if refusals:
            raise PhotosRefused(refusals)
        faces = [result for result in results if isinstance(result, FoundFace)]
        return await self.write(person_id, faces, source=source, actor=actor)

    async def write(
        self, person_id: UUID, faces: Sequence[FoundFace], *, source: str, actor: str
    ) -> list[FaceTemplate]:
        """Write the templates in one transaction, so a set is never half-enrolled."""
        written = await self._database.templates.add_set(
            person_id,
            [(face.embedding, face.quality) for face in faces],
            model_pack=self.model_pack,
            source=source,
            actor=actor,
            portrait=best_portrait(faces),
        )
        logger.info(
            "person enrolled",
            extra={"person_id": str(person_id), "templates": len(written), "source": source},
        )
        return written
