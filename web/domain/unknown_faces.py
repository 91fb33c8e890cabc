"""Kept images of unknown faces: one JPEG per unknown face, a folder per class session.

Only written when `presence.keep_unknown_faces` is on. A file is named
`<camera_id>-<track_id>-<seen_at>.jpg` inside `<folder>/<session_id>/`; that name (without
`.jpg`) is the face's id. Ids are checked against that exact pattern before any path is
built from them, so no id can name a file outside the folder.

Every method does blocking file I/O: call it from an executor, never on the event loop.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import cv2
import numpy as np

from web.settings import Settings

logger = logging.getLogger(__name__)

FOLDER_NAME = "unknown-faces"
JPEG_QUALITY = 90
_STAMP = "%Y%m%dT%H%M%S%fZ"
_FACE_ID = re.compile(
    r"(?P<camera>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"-(?P<track>[0-9]{1,18})-(?P<stamp>[0-9]{8}T[0-9]{12}Z)"
)


class UnknownFaceNotFound(LookupError):
    """No kept image has this id in this session."""


@dataclass(frozen=True)
class KeptFace:
    """One kept image of an unknown face."""

    id: str
    session_id: UUID
    camera_id: UUID
    track_id: int
    seen_at: datetime


def face_id(camera_id: UUID, track_id: int, seen_at: datetime) -> str:
    return f"{camera_id}-{track_id}-{seen_at.astimezone(UTC).strftime(_STAMP)}"


def parse_face_id(session_id: UUID, raw: str) -> KeptFace | None:
    """The face an id names, or None when the string is no face id (so names no file)."""
    found = _FACE_ID.fullmatch(raw)
    if found is None:
        return None
    try:
        seen_at = datetime.strptime(found["stamp"], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    return KeptFace(raw, session_id, UUID(found["camera"]), int(found["track"]), seen_at)


def unknown_faces_folder(settings: Settings) -> Path:
    """The configured folder, or `unknown-faces` in the store's data folder."""
    folder = settings.presence.unknown_faces_dir
    return folder if folder is not None else settings.store.data_dir / FOLDER_NAME


class UnknownFaceStore:
    """Writes, lists, reads and deletes kept unknown-face images in one folder.

    Holds no state but its folder: any number of stores (one per process, one per request)
    may work on the same folder, and each write is atomic (a reader sees a whole JPEG or
    none). Files are readable by the service's user only: they are faces of people who
    never agreed to be enrolled.
    """

    def __init__(self, folder: Path, retention_days: float) -> None:
        self._folder = folder
        self._retention = timedelta(days=retention_days)

    @classmethod
    def from_settings(cls, settings: Settings) -> UnknownFaceStore:
        return cls(unknown_faces_folder(settings), settings.presence.unknown_face_retention_days)

    @property
    def folder(self) -> Path:
        return self._folder

    def write(
        self,
        session_id: UUID,
        camera_id: UUID,
        track_id: int,
        seen_at: datetime,
        image: np.ndarray,
    ) -> KeptFace:
        """Store one face image (HxWx3 BGR uint8) as JPEG; ValueError for anything else."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"a face image must be HxWx3 uint8, got {image.shape} {image.dtype}")
        encoded, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not encoded:
            raise ValueError("the face image could not be encoded as JPEG")
        kept = KeptFace(
            face_id(camera_id, track_id, seen_at), session_id, camera_id, track_id, seen_at
        )
        folder = self._session_folder(session_id)
        self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        path = folder / f"{kept.id}.jpg"
        partial = folder / f".{kept.id}.partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data.tobytes())
        os.replace(partial, path)
        return kept

    def faces(self, session_id: UUID) -> list[KeptFace]:
        """The session's kept faces, earliest first (none when nothing was kept)."""
        folder = self._session_folder(session_id)
        if not folder.is_dir():
            return []
        faces = (parse_face_id(session_id, path.stem) for path in folder.glob("*.jpg"))
        return sorted((f for f in faces if f is not None), key=lambda f: (f.seen_at, f.id))

    def read(self, session_id: UUID, raw_id: str) -> bytes:
        """The JPEG of one kept face; UnknownFaceNotFound when the id names none."""
        kept = parse_face_id(session_id, raw_id)
        if kept is None:
            raise UnknownFaceNotFound(f"{raw_id!r} is not an unknown-face id")
        try:
            return (self._session_folder(session_id) / f"{kept.id}.jpg").read_bytes()
        except FileNotFoundError:
            raise UnknownFaceNotFound(
                f"no kept unknown face {kept.id} in session {session_id}"
            ) from None

    def delete_session(self, session_id: UUID) -> int:
        """Delete every kept face of the session; how many images there were."""
        folder = self._session_folder(session_id)
        if not folder.is_dir():
            return 0
        count = len(self.faces(session_id))
        shutil.rmtree(folder)
        return count

    def prune(self, now: datetime | None = None) -> int:
        """Delete the faces seen longer ago than the retention, and emptied session folders;
        how many images were deleted."""
        if not self._folder.is_dir():
            return 0
        cutoff = (now or datetime.now(UTC)) - self._retention
        deleted = 0
        for folder in self._folder.iterdir():
            session_id = _session_id(folder)
            if session_id is None:
                continue  # not one of ours: left alone
            for kept in self.faces(session_id):
                if kept.seen_at < cutoff:
                    (folder / f"{kept.id}.jpg").unlink(missing_ok=True)
                    deleted += 1
            if not any(folder.iterdir()):
                folder.rmdir()
        return deleted

    def _session_folder(self, session_id: UUID) -> Path:
        # a UUID's text is hex digits and dashes: never a path separator or '..' (a str
        # passed by mistake is parsed first, so it cannot be one either)
        return self._folder / str(UUID(str(session_id)))


def _session_id(folder: Path) -> UUID | None:
    if not folder.is_dir():
        return None
    try:
        session_id = UUID(folder.name)
    except ValueError:
        return None
    return session_id if str(session_id) == folder.name else None
