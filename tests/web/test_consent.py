"""Consent through the API: nobody without a recorded consent is enrolled (a 409 saying so,
before any photo is looked at) unless the school handles consent outside Rollcall; admins
record and withdraw it, and a withdrawal erases the person's face data at once."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from store.config import ConsentRule, PrivacyConfig
from store.database import Database
from tests.web.conftest import SignedIn
from web.settings import Settings

PORTRAIT = "face_recognition/Barack_Obama/Barack_Obama_3.jpg"


def portrait_form(faces_dir: Path) -> FormData:
    form = FormData()
    form.add_field("photo", (faces_dir / PORTRAIT).read_bytes(), filename="obama.jpg")
    return form


async def templates_of(db: Database, person_id: UUID) -> int:
    return len((await db.templates.list_for_person(person_id)).items)


async def test_photos_and_snapshots_of_a_person_without_consent_are_refused_with_409(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
) -> None:
    person = await db.people.create(external_id="s-1", display_name="Barack Obama")
    jpeg = (faces_dir / PORTRAIT).read_bytes()
    for path, kwargs in (
        ("photos", {"data": portrait_form(faces_dir)}),
        ("snapshot", {"data": jpeg, "headers": {"Content-Type": "image/jpeg"}}),
    ):
        headers = {**admin.headers, "X-Request-ID": f"consent-{path}", **kwargs.pop("headers", {})}
        response = await api.post(f"/api/people/{person.id}/{path}", headers=headers, **kwargs)
        assert response.status == 409, await response.text()
        error = (await response.json())["error"]
        assert (error["code"], error["request_id"]) == ("no_consent", f"consent-{path}")
        assert f"/api/people/{person.id}/consent" in error["message"]
    assert await templates_of(db, person.id) == 0


async def test_a_consent_recorded_by_an_admin_lets_the_person_be_enrolled(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
) -> None:
    person = await db.people.create(external_id="s-1", display_name="Barack Obama")
    response = await api.post(
        f"/api/people/{person.id}/consent",
        json={"consent_at": "2026-09-01T08:00:00+00:00"},
        headers=admin.headers,
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["consent_at"].startswith("2026-09-01T08:00:00")

    response = await api.post(
        f"/api/people/{person.id}/photos", data=portrait_form(faces_dir), headers=admin.headers
    )
    assert response.status == 201, await response.text()
    assert await templates_of(db, person.id) == 1


async def test_withdrawing_consent_erases_the_face_data_and_keeps_the_person(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
) -> None:
    person = await db.people.create(external_id="s-1", display_name="Barack Obama")
    await api.post(f"/api/people/{person.id}/consent", json={}, headers=admin.headers)
    await api.post(
        f"/api/people/{person.id}/photos", data=portrait_form(faces_dir), headers=admin.headers
    )
    assert await templates_of(db, person.id) == 1

    response = await api.delete(f"/api/people/{person.id}/consent", headers=admin.headers)
    assert response.status == 200, await response.text()
    assert await response.json() == {
        "person_id": str(person.id),
        "consent_at": None,
        "templates_deleted": 1,
    }
    shown = await (await api.get(f"/api/people/{person.id}", headers=admin.headers)).json()
    assert (shown["consent_at"], shown["template_count"]) == (None, 0)
    again = await api.post(
        f"/api/people/{person.id}/photos", data=portrait_form(faces_dir), headers=admin.headers
    )
    assert again.status == 409


async def test_consent_is_changed_by_admins_only_and_never_for_the_future(
    api: TestClient, admin: SignedIn, teacher: SignedIn, db: Database
) -> None:
    person = await db.people.create(external_id="s-1", display_name="Ada")
    path = f"/api/people/{person.id}/consent"
    assert (await api.post(path, json={}, headers=teacher.headers)).status == 403
    assert (await api.delete(path, headers=teacher.headers)).status == 403
    assert (await api.post(path, json={})).status == 401
    ahead = await api.post(
        path, json={"consent_at": "2999-01-01T00:00:00+00:00"}, headers=admin.headers
    )
    assert ahead.status == 422
    assert (await db.people.get(person.id)).consent_at is None
    nobody = "/api/people/00000000-0000-4000-8000-000000000000/consent"
    assert (await api.delete(nobody, headers=admin.headers)).status == 404


class TestConsentHandledOutsideRollcall:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"privacy": PrivacyConfig(consent=ConsentRule.OUTSIDE)})

    async def test_a_person_without_a_recorded_consent_is_enrolled(
        self, api: TestClient, admin: SignedIn, db: Database, faces_dir: Path
    ) -> None:
        person = await db.people.create(external_id="s-1", display_name="Barack Obama")
        response = await api.post(
            f"/api/people/{person.id}/photos",
            data=portrait_form(faces_dir),
            headers=admin.headers,
        )
        assert response.status == 201, await response.text()
        assert await templates_of(db, person.id) == 1
