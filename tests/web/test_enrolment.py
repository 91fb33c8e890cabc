"""Enrolment from uploaded photos and camera snapshots: one usable face per photo, or a 422
that says which photo and why, with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import cv2
import numpy as np
import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from recognizer.analyzer import FaceAnalyzer
from store.config import StoreConfig
from store.database import Database
from tests.web.conftest import SignedIn
from web.domain.enrolment import Photo, PhotoRefused, PhotoRules, RefusalReason, find_enrolment_face
from web.http.config import ServiceConfig
from web.settings import Settings

PORTRAITS = (
    "face_recognition/Barack_Obama/Barack_Obama_3.jpg",
    "face_recognition/Barack_Obama/Barack_Obama_4.jpg",
)
GROUP = "face_recognition/groups/two_people.jpg"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Small request and burst limits, so the limits can be reached with real photos."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        store=StoreConfig(
            database_url=database_url,
            retry_initial_s=0.05,
            retry_max_s=0.5,
            data_dir=tmp_path,  # the decision journal's folder: one per test
        ),
        service=ServiceConfig(
            max_upload_mb=1.5, max_photos_per_upload=3, upload_burst=6, upload_per_minute=1
        ),
    )


def generated_image_without_a_face() -> bytes:
    gradient = np.tile(np.linspace(0, 255, 320, dtype=np.uint8), (240, 1))
    image = cv2.merge([gradient, gradient[::-1], np.full_like(gradient, 90)])
    return cv2.imencode(".png", image)[1].tobytes()


def shrunk(path: Path, scale: float) -> bytes:
    """The photo so small that its face is below the quality gate's minimum size."""
    image = cv2.imread(str(path))
    return cv2.imencode(".png", cv2.resize(image, None, fx=scale, fy=scale))[1].tobytes()


def photos_form(*photos: tuple[str, bytes]) -> FormData:
    form = FormData()
    for name, data in photos:
        form.add_field("photo", data, filename=name, content_type="application/octet-stream")
    return form


CONSENTED = datetime(2026, 9, 1, tzinfo=UTC)


async def new_person(db: Database, external_id: str = "s-100", *, consented: bool = True) -> UUID:
    """A person to enrol, who consented to face recognition unless `consented` is false."""
    person = await db.people.create(
        external_id=external_id,
        display_name="Barack Obama",
        consent_at=CONSENTED if consented else None,
    )
    return person.id


async def template_count(db: Database, person_id: UUID) -> int:
    return len((await db.templates.list_for_person(person_id)).items)


async def test_two_portraits_enrol_two_templates_of_the_analyzer_s_pack(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path, analyzer: FaceAnalyzer
) -> None:
    person_id = await new_person(db)
    form = photos_form(*((Path(p).name, (faces_dir / p).read_bytes()) for p in PORTRAITS))
    response = await api.post(f"/api/people/{person_id}/photos", data=form, headers=admin.headers)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert len(body["templates"]) == 2
    assert {t["model_pack"] for t in body["templates"]} == {analyzer.pack_name}
    assert {t["source"] for t in body["templates"]} == {"upload"}
    assert "embedding" not in body["templates"][0]
    assert await template_count(db, person_id) == 2


async def test_one_bad_photo_refuses_the_upload_naming_each_photo_and_writes_nothing(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
) -> None:
    person_id = await new_person(db)
    form = photos_form(
        ("good.jpg", (faces_dir / PORTRAITS[0]).read_bytes()),
        ("couple.jpg", (faces_dir / GROUP).read_bytes()),
        ("notes.txt", b"this is a text file, not a photo\n"),
    )
    response = await api.post(f"/api/people/{person_id}/photos", data=form, headers=admin.headers)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "photo_refused"
    assert "nothing was enrolled" in error["message"]
    assert [(d["index"], d["filename"], d["reason"]) for d in error["details"]] == [
        (1, "couple.jpg", "several_faces"),
        (2, "notes.txt", "not_an_image"),
    ]
    assert await template_count(db, person_id) == 0


async def test_a_photo_without_a_face_and_a_tiny_face_are_refused_with_their_reasons(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
) -> None:
    person_id = await new_person(db)
    form = photos_form(
        ("gradient.png", generated_image_without_a_face()),
        ("tiny.png", shrunk(faces_dir / PORTRAITS[0], 0.09)),
    )
    response = await api.post(f"/api/people/{person_id}/photos", data=form, headers=admin.headers)
    assert response.status == 422
    details = (await response.json())["error"]["details"]
    assert [d["reason"] for d in details] == ["no_face", "low_quality"]
    assert any("too small" in reason for reason in details[1]["quality_reasons"])
    assert await template_count(db, person_id) == 0


def test_a_photo_over_the_per_photo_limit_is_refused_before_it_is_decoded(
    analyzer: FaceAnalyzer, faces_dir: Path
) -> None:
    photo = Photo("big.jpg", (faces_dir / PORTRAITS[0]).read_bytes())
    with pytest.raises(PhotoRefused) as refused:
        find_enrolment_face(analyzer, photo, PhotoRules(max_photo_bytes=10_000))
    assert refused.value.reason is RefusalReason.TOO_LARGE


async def test_an_upload_or_snapshot_over_the_request_limit_is_a_json_413(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    person_id = await new_person(db)
    noise = np.random.default_rng(5).integers(0, 255, size=1_700_000, dtype=np.uint8).tobytes()
    response = await api.post(
        f"/api/people/{person_id}/photos",
        data=photos_form(("huge.jpg", noise)),
        headers=admin.headers,
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "payload_too_large"
    raw = await api.post(
        f"/api/people/{person_id}/snapshot",
        data=noise,
        headers={**admin.headers, "Content-Type": "image/jpeg"},
    )
    assert raw.status == 413
    assert (await raw.json())["error"]["code"] == "payload_too_large"
    assert await template_count(db, person_id) == 0


async def test_more_photos_than_allowed_or_none_at_all_are_refused(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    person_id = await new_person(db)
    url = f"/api/people/{person_id}/photos"
    four = photos_form(*((f"{i}.png", generated_image_without_a_face()) for i in range(4)))
    too_many = await api.post(url, data=four, headers=admin.headers)
    assert too_many.status == 422
    assert (await too_many.json())["error"]["code"] == "too_many_photos"
    not_multipart = await api.post(url, json={"photo": "x"}, headers=admin.headers)
    assert not_multipart.status == 415


async def test_a_camera_snapshot_sent_as_a_raw_jpeg_enrols_one_snapshot_template(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
) -> None:
    person_id = await new_person(db)
    response = await api.post(
        f"/api/people/{person_id}/snapshot",
        data=(faces_dir / PORTRAITS[1]).read_bytes(),
        headers={**admin.headers, "Content-Type": "image/jpeg"},
    )
    assert response.status == 201, await response.text()
    assert [t["source"] for t in (await response.json())["templates"]] == ["snapshot"]
    group = await api.post(
        f"/api/people/{person_id}/snapshot",
        data=photos_form(("frame.jpg", (faces_dir / GROUP).read_bytes())),
        headers=admin.headers,
    )
    assert group.status == 422
    assert (await group.json())["error"]["details"][0]["reason"] == "several_faces"
    assert await template_count(db, person_id) == 1


async def test_enrolment_needs_an_admin_and_a_person_that_exists(
    api: TestClient, admin: SignedIn, teacher: SignedIn, db: Database, faces_dir: Path
) -> None:
    person_id = await new_person(db)
    photo = (faces_dir / PORTRAITS[0]).read_bytes()
    anonymous = await api.post(f"/api/people/{person_id}/photos", data=photos_form(("a", photo)))
    assert anonymous.status == 401
    as_teacher = await api.post(
        f"/api/people/{person_id}/photos", data=photos_form(("a", photo)), headers=teacher.headers
    )
    assert as_teacher.status == 403
    unknown = await api.post(
        "/api/people/00000000-0000-4000-8000-000000000000/photos",
        data=photos_form(("a", photo)),
        headers=admin.headers,
    )
    assert unknown.status == 404
    assert await template_count(db, person_id) == 0


async def test_uploads_are_rate_limited_per_user(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    person_id = await new_person(db)
    statuses = []
    for _ in range(7):  # the burst is 6
        response = await api.post(
            f"/api/people/{person_id}/photos",
            data=photos_form(("gradient.png", generated_image_without_a_face())),
            headers=admin.headers,
        )
        statuses.append(response.status)
    assert statuses == [422] * 6 + [429]
    assert int(response.headers["Retry-After"]) >= 1
