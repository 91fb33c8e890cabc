"""People: admins add, change and erase them; teachers read; erasure removes face data."""

from __future__ import annotations

from pathlib import Path

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from recognizer.analyzer import FaceAnalyzer
from store.database import Database
from tests.web.conftest import SignedIn

PORTRAIT = "face_recognition/Kit_Harington/Kit_Harington_1.jpeg"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


async def add(api: TestClient, admin: SignedIn, external_id: str, name: str) -> dict:
    response = await api.post(
        "/api/people",
        json={"external_id": external_id, "display_name": name},
        headers=admin.headers,
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def test_an_admin_adds_a_person_whom_a_teacher_can_read(
    api: TestClient, admin: SignedIn, teacher: SignedIn
) -> None:
    created = await api.post(
        "/api/people",
        json={
            "external_id": "s-001",
            "display_name": "Ada Lovelace",
            "consent_at": "2026-09-01T08:00:00+00:00",
        },
        headers=admin.headers,
    )
    assert created.status == 201
    person = await created.json()
    assert person["template_count"] == 0 and person["active"] is True
    read = await api.get(f"/api/people/{person['id']}", headers=teacher.headers)
    assert read.status == 200
    body = await read.json()
    assert body["display_name"] == "Ada Lovelace"
    assert body["consent_at"].startswith("2026-09-01T08:00:00")


async def test_the_list_is_searchable_by_name_or_external_id_and_paged(
    api: TestClient, admin: SignedIn, teacher: SignedIn
) -> None:
    for external_id, name in (("s-1", "Ada Lovelace"), ("s-2", "Alan Turing"), ("x-3", "Kurt")):
        await add(api, admin, external_id, name)
    by_name = await api.get("/api/people?q=turing", headers=teacher.headers)
    assert [p["external_id"] for p in (await by_name.json())["items"]] == ["s-2"]
    by_id = await api.get("/api/people?q=S-", headers=teacher.headers)
    assert [p["display_name"] for p in (await by_id.json())["items"]] == [
        "Ada Lovelace",
        "Alan Turing",
    ]
    page = await (await api.get("/api/people?limit=2", headers=teacher.headers)).json()
    assert (len(page["items"]), page["next_offset"]) == (2, 2)
    bad = await api.get("/api/people?limit=0", headers=teacher.headers)
    assert bad.status == 422


async def test_a_patch_changes_only_the_fields_sent(api: TestClient, admin: SignedIn) -> None:
    person = await add(api, admin, "s-7", "Grace")
    changed = await api.patch(
        f"/api/people/{person['id']}", json={"active": False}, headers=admin.headers
    )
    assert changed.status == 200
    body = await changed.json()
    assert (body["active"], body["display_name"]) == (False, "Grace")
    inactive = await api.get("/api/people?active=false", headers=admin.headers)
    assert [p["id"] for p in (await inactive.json())["items"]] == [person["id"]]


async def test_a_teacher_may_not_write_and_nobody_may_read_without_a_token(
    api: TestClient, admin: SignedIn, teacher: SignedIn
) -> None:
    person = await add(api, admin, "s-8", "Hedy")
    path = f"/api/people/{person['id']}"
    for method, url, body in (
        ("POST", "/api/people", {"external_id": "s-9", "display_name": "X"}),
        ("PATCH", path, {"display_name": "Y"}),
        ("DELETE", path, None),
    ):
        response = await api.request(method, url, json=body, headers=teacher.headers)
        assert response.status == 403, (method, url)
    for url in ("/api/people", path):
        assert (await api.get(url)).status == 401


async def test_bad_bodies_unknown_ids_and_taken_external_ids_are_clear_4xx(
    api: TestClient, admin: SignedIn
) -> None:
    await add(api, admin, "s-10", "Emmy")
    wrong_type = await api.post(
        "/api/people", json={"external_id": 10, "display_name": "E"}, headers=admin.headers
    )
    assert wrong_type.status == 422
    extra = await api.post(
        "/api/people",
        json={"external_id": "s-11", "display_name": "E", "photo": "x"},
        headers=admin.headers,
    )
    assert extra.status == 422
    taken = await api.post(
        "/api/people", json={"external_id": "s-10", "display_name": "E"}, headers=admin.headers
    )
    assert taken.status == 409
    for path in (f"/api/people/{UNKNOWN_ID}", "/api/people/42"):
        assert (await api.get(path, headers=admin.headers)).status == 404
        assert (await api.delete(path, headers=admin.headers)).status == 404


async def test_erasure_removes_the_face_templates_and_is_audited_without_the_external_id(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path, analyzer: FaceAnalyzer
) -> None:
    person = await add(api, admin, "s-12", "Kit Harington")
    await api.post(f"/api/people/{person['id']}/consent", json={}, headers=admin.headers)
    form = FormData()
    form.add_field("photo", (faces_dir / PORTRAIT).read_bytes(), filename="kit.jpg")
    enrolled = await api.post(
        f"/api/people/{person['id']}/photos", data=form, headers=admin.headers
    )
    assert enrolled.status == 201
    detail = await (await api.get(f"/api/people/{person['id']}", headers=admin.headers)).json()
    assert detail["template_count"] == 1

    erased = await api.delete(f"/api/people/{person['id']}", headers=admin.headers)
    assert erased.status == 200
    assert (await erased.json())["templates_deleted"] == 1
    assert (await api.get(f"/api/people/{person['id']}", headers=admin.headers)).status == 404
    matrix = await db.templates.load_matrix(analyzer.pack_name, active_only=False)
    assert len(matrix) == 0
    audit = await db.audit.list(entity_type="person", entity_id=person["id"])
    erasures = [entry for entry in audit.items if entry.action == "person.erase"]
    assert [(e.actor, e.details["templates_deleted"]) for e in erasures] == [("ada-admin", 1)]
    assert "s-12" not in str(erasures[0].details)
