"""Kept unknown-face images: the store on disk, and the admin API over it. Nothing is kept
unless `presence.keep_unknown_faces` is on."""

from __future__ import annotations

import dataclasses
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import cv2
import numpy as np
import pytest
from aiohttp.test_utils import TestClient

from recognizer.presence.config import PresenceConfig
from store.database import Database
from store.sessions import ClassSession
from tests.web.conftest import SignedIn
from web.app import build_app
from web.domain.unknown_faces import UnknownFaceNotFound, UnknownFaceStore, unknown_faces_folder
from web.http.services import Services
from web.settings import Settings

SEEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CAMERA = UUID("6a1f4c56-0d3e-4c1b-9a55-2f1f3c8d7e01")


def face_image(shade: int = 128) -> np.ndarray:
    """A 112x112 BGR picture with some structure, so JPEG round trips can be compared."""
    image = np.full((112, 112, 3), shade, np.uint8)
    cv2.circle(image, (56, 56), 30, (30, 60, 200), -1)
    return image


# -- the store on disk ----------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> UnknownFaceStore:
    return UnknownFaceStore(tmp_path / "unknown-faces", retention_days=7)


def test_a_written_face_is_listed_and_read_back_as_the_same_jpeg_image(
    store: UnknownFaceStore,
) -> None:
    session = uuid4()
    kept = store.write(session, CAMERA, 3, SEEN, face_image())

    assert store.faces(session) == [kept]
    assert (kept.session_id, kept.camera_id, kept.track_id, kept.seen_at) == (
        session,
        CAMERA,
        3,
        SEEN,
    )
    data = store.read(session, kept.id)
    assert data[:3] == b"\xff\xd8\xff"  # a JPEG
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (112, 112, 3)
    assert np.abs(decoded.astype(int) - face_image().astype(int)).mean() < 3
    assert (store.folder / str(session) / f"{kept.id}.jpg").is_file()


def test_faces_are_listed_per_session_earliest_first(store: UnknownFaceStore) -> None:
    session, other = uuid4(), uuid4()
    later = store.write(session, CAMERA, 2, SEEN + timedelta(seconds=5), face_image())
    earlier = store.write(session, CAMERA, 1, SEEN, face_image())
    store.write(other, CAMERA, 1, SEEN, face_image())

    assert store.faces(session) == [earlier, later]
    assert store.faces(uuid4()) == []


def test_kept_images_are_readable_by_the_service_user_only(store: UnknownFaceStore) -> None:
    session = uuid4()
    kept = store.write(session, CAMERA, 1, SEEN, face_image())
    path = store.folder / str(session) / f"{kept.id}.jpg"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_an_id_that_is_not_a_face_id_names_no_file(store: UnknownFaceStore, tmp_path: Path) -> None:
    session = uuid4()
    kept = store.write(session, CAMERA, 1, SEEN, face_image())
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not for the API")
    for raw in (
        "../../secret",
        "../secret",
        str(secret.with_suffix("")),
        f"../{session}/{kept.id}",
        f"{kept.id}/../../../secret",
        kept.id + "\x00",
        kept.id.upper(),
        "",
    ):
        with pytest.raises(UnknownFaceNotFound):
            store.read(session, raw)
    with pytest.raises(UnknownFaceNotFound):
        store.read(uuid4(), kept.id)  # the right id in another session


def test_a_non_image_is_refused_and_nothing_is_written(store: UnknownFaceStore) -> None:
    session = uuid4()
    for bad in (np.zeros((112, 112), np.uint8), np.zeros((112, 112, 3), np.float32)):
        with pytest.raises(ValueError, match="HxWx3 uint8"):
            store.write(session, CAMERA, 1, SEEN, bad)
    assert store.faces(session) == []


def test_deleting_a_session_removes_its_faces_only(store: UnknownFaceStore) -> None:
    session, other = uuid4(), uuid4()
    for track in (1, 2):
        store.write(session, CAMERA, track, SEEN, face_image())
    kept = store.write(other, CAMERA, 1, SEEN, face_image())

    assert store.delete_session(session) == 2
    assert store.faces(session) == []
    assert not (store.folder / str(session)).exists()
    assert store.faces(other) == [kept]
    assert store.delete_session(session) == 0


def test_pruning_deletes_faces_past_retention_and_leaves_the_rest_and_foreign_files(
    store: UnknownFaceStore,
) -> None:
    old_session, mixed_session = uuid4(), uuid4()
    now = SEEN + timedelta(days=10)
    store.write(old_session, CAMERA, 1, SEEN, face_image())
    store.write(mixed_session, CAMERA, 1, SEEN, face_image())
    recent = store.write(mixed_session, CAMERA, 2, now - timedelta(days=6), face_image())
    foreign = store.folder / "notes.txt"
    foreign.write_text("an operator's file")

    assert store.prune(now) == 2
    assert not (store.folder / str(old_session)).exists()  # emptied: removed
    assert store.faces(mixed_session) == [recent]
    assert foreign.read_text() == "an operator's file"
    assert store.prune(now) == 0


def test_pruning_a_folder_that_was_never_made_deletes_nothing(tmp_path: Path) -> None:
    assert UnknownFaceStore(tmp_path / "never", retention_days=1).prune() == 0
    assert not (tmp_path / "never").exists()


def test_the_folder_defaults_to_the_store_data_folder(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, store={"data_dir": tmp_path})
    assert unknown_faces_folder(settings) == tmp_path / "unknown-faces"
    chosen = settings.model_copy(
        update={"presence": PresenceConfig(unknown_faces_dir=tmp_path / "faces")}
    )
    assert unknown_faces_folder(chosen) == tmp_path / "faces"


# -- the API ---------------------------------------------------------------------------------


def _app_services(services: Services, tmp_path: Path, *, keep: bool) -> Services:
    presence = PresenceConfig(keep_unknown_faces=keep, unknown_faces_dir=tmp_path / "faces")
    settings = services.settings.model_copy(update={"presence": presence})
    return dataclasses.replace(services, settings=settings)


async def _client(aiohttp_client, services: Services) -> TestClient:
    return await aiohttp_client(build_app(services))


@pytest.fixture
async def keeping(aiohttp_client, services: Services, tmp_path: Path) -> TestClient:
    """The API of a service that keeps unknown faces (in tmp_path/faces)."""
    return await _client(aiohttp_client, _app_services(services, tmp_path, keep=True))


@pytest.fixture
async def not_keeping(aiohttp_client, services: Services, tmp_path: Path) -> TestClient:
    """The API of a service with the default: nothing kept."""
    return await _client(aiohttp_client, _app_services(services, tmp_path, keep=False))


@pytest.fixture
async def session(db: Database) -> ClassSession:
    course = await db.courses.create(code="BIO101", name="Biology")
    room = await db.rooms.create("Lecture hall 1")
    return await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=SEEN,
        scheduled_end=SEEN + timedelta(hours=1),
    )


def _folder_store(tmp_path: Path) -> UnknownFaceStore:
    return UnknownFaceStore(tmp_path / "faces", retention_days=7)


async def test_a_session_s_kept_faces_are_listed_and_served_as_jpeg_to_an_admin(
    keeping: TestClient, admin: SignedIn, session: ClassSession, tmp_path: Path
) -> None:
    store = _folder_store(tmp_path)
    first = store.write(session.id, CAMERA, 1, SEEN, face_image(100))
    second = store.write(session.id, CAMERA, 2, SEEN + timedelta(seconds=9), face_image(200))

    response = await keeping.get(f"/api/sessions/{session.id}/unknown-faces", headers=admin.headers)
    assert response.status == 200
    listed = await response.json()
    assert listed["kept"] is True and listed["retention_days"] == 7
    assert [i["id"] for i in listed["items"]] == [first.id, second.id]
    assert listed["items"][0]["camera_id"] == str(CAMERA)
    assert listed["items"][0]["track_id"] == 1
    assert datetime.fromisoformat(listed["items"][1]["seen_at"]) == second.seen_at
    assert listed["next_offset"] is None

    image = await keeping.get(listed["items"][1]["image_url"], headers=admin.headers)
    assert image.status == 200
    assert image.content_type == "image/jpeg"
    assert "no-store" in image.headers["Cache-Control"]
    assert await image.read() == store.read(session.id, second.id)


async def test_the_list_is_paged(
    keeping: TestClient, admin: SignedIn, session: ClassSession, tmp_path: Path
) -> None:
    store = _folder_store(tmp_path)
    kept = [
        store.write(session.id, CAMERA, t, SEEN + timedelta(seconds=t), face_image())
        for t in range(3)
    ]
    url = f"/api/sessions/{session.id}/unknown-faces"
    first = await (await keeping.get(f"{url}?limit=2", headers=admin.headers)).json()
    rest = await (await keeping.get(f"{url}?limit=2&offset=2", headers=admin.headers)).json()
    assert [i["id"] for i in first["items"]] == [k.id for k in kept[:2]]
    assert first["next_offset"] == 2
    assert [i["id"] for i in rest["items"]] == [kept[2].id]
    assert rest["next_offset"] is None


async def test_deleting_a_session_s_faces_removes_them_and_is_audited(
    keeping: TestClient, admin: SignedIn, session: ClassSession, db: Database, tmp_path: Path
) -> None:
    store = _folder_store(tmp_path)
    kept = store.write(session.id, CAMERA, 1, SEEN, face_image())
    url = f"/api/sessions/{session.id}/unknown-faces"

    response = await keeping.delete(url, headers=admin.headers)

    assert response.status == 200
    assert await response.json() == {"deleted": 1}
    assert store.faces(session.id) == []
    gone = await keeping.get(f"{url}/{kept.id}.jpg", headers=admin.headers)
    assert gone.status == 404
    (entry,) = (await db.audit.list(entity_type="session", entity_id=session.id)).items
    assert (entry.actor, entry.action, entry.details) == (
        admin.user.username,
        "unknown_faces.delete",
        {"images": 1},
    )


async def test_unknown_faces_are_for_admins_only(
    keeping: TestClient, admin: SignedIn, teacher: SignedIn, session: ClassSession, tmp_path: Path
) -> None:
    kept = _folder_store(tmp_path).write(session.id, CAMERA, 1, SEEN, face_image())
    url = f"/api/sessions/{session.id}/unknown-faces"
    for method, path in (("GET", url), ("GET", f"{url}/{kept.id}.jpg"), ("DELETE", url)):
        anonymous = await keeping.request(method, path)
        assert anonymous.status == 401, (method, path)
        as_teacher = await keeping.request(method, path, headers=teacher.headers)
        assert as_teacher.status == 403, (method, path)
        assert (await as_teacher.json())["error"]["code"] == "forbidden"
    assert _folder_store(tmp_path).faces(session.id) == [kept]


async def test_bad_face_ids_and_unknown_sessions_are_404(
    keeping: TestClient, admin: SignedIn, session: ClassSession, tmp_path: Path
) -> None:
    kept = _folder_store(tmp_path).write(session.id, CAMERA, 1, SEEN, face_image())
    (tmp_path / "secret.jpg").write_bytes(b"outside the folder")
    base = f"/api/sessions/{session.id}/unknown-faces"
    for path in (
        f"{base}/{kept.id}",  # no .jpg
        f"{base}/..%2F..%2Fsecret.jpg",
        f"{base}/{CAMERA}-1-20260302T093001000000Z.jpg",  # well formed, never kept
        f"/api/sessions/{uuid4()}/unknown-faces/{kept.id}.jpg",
        f"/api/sessions/{uuid4()}/unknown-faces",
        "/api/sessions/not-a-uuid/unknown-faces",
    ):
        response = await keeping.get(path, headers=admin.headers)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"


async def test_by_default_nothing_is_listed_or_served_and_the_list_says_so(
    not_keeping: TestClient, admin: SignedIn, session: ClassSession, tmp_path: Path
) -> None:
    # an image kept while the setting was on, before it was turned off
    kept = _folder_store(tmp_path).write(session.id, CAMERA, 1, SEEN, face_image())
    url = f"/api/sessions/{session.id}/unknown-faces"

    listed = await (await not_keeping.get(url, headers=admin.headers)).json()
    image = await not_keeping.get(f"{url}/{kept.id}.jpg", headers=admin.headers)

    assert listed["kept"] is False and listed["items"] == []
    assert image.status == 404
    # deleting still works: images kept earlier need not wait for the retention
    deleted = await not_keeping.delete(url, headers=admin.headers)
    assert await deleted.json() == {"deleted": 1}


def test_by_default_no_unknown_face_is_kept() -> None:
    assert PresenceConfig().keep_unknown_faces is False
