"""A running service keeps images of unknown faces only when its settings ask: by default a
stranger in the classroom is counted, and no image of them is written anywhere. Kept images
expire with the retention."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import cv2
import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.images import load_image
from recognizer.presence.config import PresenceConfig
from store.database import Database
from tests.web.live.conftest import (
    OTHER_COURSE,
    STRANGER,
    STUDENTS,
    Cast,
    Live,
    receive_until,
    seed_classroom,
    until,
)
from web.domain.unknown_faces import UnknownFaceStore, unknown_faces_folder
from web.live.maintenance import maintain
from web.settings import Settings

StartLive = Callable[[], AbstractAsyncContextManager[Live]]


def _with(settings: Settings, data_dir: Path, presence: PresenceConfig) -> Settings:
    store = settings.store.model_copy(update={"data_dir": data_dir})
    return settings.model_copy(update={"store": store, "presence": presence})


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


class TestByDefault:
    @pytest.fixture
    def settings(self, settings: Settings, data_dir: Path) -> Settings:
        return _with(settings, data_dir, PresenceConfig())

    async def test_strangers_are_counted_and_no_image_is_written_anywhere(
        self,
        db: Database,
        analyzer: FaceAnalyzer,
        cast: Cast,
        start_live: StartLive,
        settings: Settings,
        data_dir: Path,
    ) -> None:
        room = await seed_classroom(db, cast, analyzer.pack_name)
        async with start_live() as live:
            board = live.runtime.hub.subscribe(room.session.id)
            await receive_until(
                board, lambda messages: sum(m["type"] == "unknown_face" for m in messages) >= 2
            )
        # the data folder holds only the decision journal, emptied once the notices landed
        journal = settings.store.journal_dir
        assert [p.relative_to(journal) for p in _files(data_dir)] == [
            Path("decisions.jsonl"),
            Path("journal.lock"),
        ]
        assert (journal / "decisions.jsonl").stat().st_size == 0
        assert not unknown_faces_folder(settings).exists()


class TestWhenAsked:
    @pytest.fixture
    def settings(self, settings: Settings, data_dir: Path) -> Settings:
        return _with(settings, data_dir, PresenceConfig(keep_unknown_faces=True))

    async def test_unknown_faces_are_kept_as_images_of_those_faces_and_of_nobody_identified(
        self,
        db: Database,
        analyzer: FaceAnalyzer,
        cast: Cast,
        faces_dir: Path,
        start_live: StartLive,
        settings: Settings,
    ) -> None:
        room = await seed_classroom(db, cast, analyzer.pack_name)
        store = UnknownFaceStore.from_settings(settings)
        stranger = _embedding_of(analyzer, faces_dir, STRANGER)

        def kept_embeddings() -> list[np.ndarray]:
            images = [_image(store, room.session.id, f.id) for f in store.faces(room.session.id)]
            return [analyzer.embed_crops([image])[0] for image in images]

        def stranger_kept(messages: list[dict]) -> bool:
            if not messages or messages[-1]["type"] != "unknown_face":
                return False
            return any(float(e @ stranger) > 0.5 for e in kept_embeddings())

        async with start_live() as live:
            board = live.runtime.hub.subscribe(room.session.id)
            messages = await receive_until(board, stranger_kept)

        kept = store.faces(room.session.id)
        assert len(kept) >= sum(m["type"] == "unknown_face" for m in messages)
        assert {face.camera_id for face in kept} == {room.camera.id}
        # the clip's photos show a few faces nobody enrolled (the stranger, the latecomer
        # without a template yet, someone in a photo's background); never an enrolled one
        enrolled = [cast.embeddings[name] for name in (*STUDENTS, OTHER_COURSE)]
        for embedding in kept_embeddings():
            assert max(float(embedding @ e) for e in enrolled) < 0.3


def _image(store: UnknownFaceStore, session_id: UUID, face_id: str) -> np.ndarray:
    data = store.read(session_id, face_id)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (112, 112, 3)
    return image


def _embedding_of(analyzer: FaceAnalyzer, faces_dir: Path, name: str) -> np.ndarray:
    """The embedding of the photo of `name` that the classroom clip shows."""
    photo = sorted((faces_dir / "lfw" / name).glob("*.jpg"))[1]
    faces = analyzer.analyze([load_image(photo)])[0]
    face = max(faces, key=lambda f: f.quality.size_px)
    assert face.embedding is not None
    return face.embedding


async def test_maintenance_deletes_kept_images_past_their_retention(
    db: Database, executor: ThreadPoolExecutor, data_dir: Path
) -> None:
    store = UnknownFaceStore(data_dir / "unknown-faces", retention_days=1)
    session, camera, now = uuid4(), uuid4(), datetime.now(UTC)
    face = np.full((112, 112, 3), 90, np.uint8)
    expired = store.write(session, camera, 1, now - timedelta(days=2), face)
    recent = store.write(session, camera, 2, now - timedelta(hours=1), face)

    task = asyncio.create_task(maintain(db, 0.05, unknown_faces=store, executor=executor))
    try:
        await until(lambda: expired not in store.faces(session))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert store.faces(session) == [recent]
