"""The rooms API over the real application and a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from aiohttp.test_utils import TestClient

from store.database import Database
from tests.web.conftest import SignedIn


async def test_an_admin_creates_lists_renames_and_deletes_a_room(
    api: TestClient, admin: SignedIn
) -> None:
    created = await api.post("/api/rooms", json={"name": "B-204"}, headers=admin.headers)
    assert created.status == 201
    room = await created.json()
    assert room["name"] == "B-204"

    listed = await (await api.get("/api/rooms", headers=admin.headers)).json()
    assert [r["id"] for r in listed["items"]] == [room["id"]]
    assert listed["next_offset"] is None

    renamed = await api.patch(
        f"/api/rooms/{room['id']}", json={"name": "B-205"}, headers=admin.headers
    )
    assert (await renamed.json())["name"] == "B-205"
    fetched = await (await api.get(f"/api/rooms/{room['id']}", headers=admin.headers)).json()
    assert fetched["name"] == "B-205"

    deleted = await api.delete(f"/api/rooms/{room['id']}", headers=admin.headers)
    assert deleted.status == 204
    gone = await api.get(f"/api/rooms/{room['id']}", headers=admin.headers)
    assert gone.status == 404
    assert (await gone.json())["error"]["code"] == "not_found"


async def test_a_teacher_reads_rooms_but_cannot_change_them(
    api: TestClient, db: Database, teacher: SignedIn
) -> None:
    room = await db.rooms.create("Lab 1")
    listed = await api.get("/api/rooms", headers=teacher.headers)
    assert listed.status == 200
    refused = await api.post("/api/rooms", json={"name": "Lab 2"}, headers=teacher.headers)
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "forbidden"
    not_renamed = await api.patch(
        f"/api/rooms/{room.id}", json={"name": "Lab 9"}, headers=teacher.headers
    )
    assert not_renamed.status == 403
    not_deleted = await api.delete(f"/api/rooms/{room.id}", headers=teacher.headers)
    assert not_deleted.status == 403
    assert (await db.rooms.get(room.id)).name == "Lab 1"


async def test_rooms_refuse_requests_without_a_token(api: TestClient, db: Database) -> None:
    room = await db.rooms.create("Lab 1")
    for method, path in (
        ("GET", "/api/rooms"),
        ("POST", "/api/rooms"),
        ("GET", f"/api/rooms/{room.id}"),
        ("PATCH", f"/api/rooms/{room.id}"),
        ("DELETE", f"/api/rooms/{room.id}"),
    ):
        response = await api.request(method, path)
        assert response.status == 401, (method, path)
        assert (await response.json())["error"]["code"] == "unauthorized"


async def test_bad_room_bodies_are_refused_with_the_reason(
    api: TestClient, admin: SignedIn
) -> None:
    malformed = await api.post(
        "/api/rooms",
        data=b'{"name": ',
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert malformed.status == 400
    assert (await malformed.json())["error"]["code"] == "bad_json"

    wrong_type = await api.post("/api/rooms", json={"name": 204}, headers=admin.headers)
    assert wrong_type.status == 422
    assert (await wrong_type.json())["error"]["details"][0]["field"] == "name"

    empty = await api.post("/api/rooms", json={"name": "  "}, headers=admin.headers)
    assert empty.status == 422
    typo = await api.post("/api/rooms", json={"nmae": "B-1"}, headers=admin.headers)
    assert typo.status == 422


async def test_a_room_name_is_taken_once(api: TestClient, admin: SignedIn) -> None:
    first = await api.post("/api/rooms", json={"name": "Hall"}, headers=admin.headers)
    assert first.status == 201
    second = await api.post("/api/rooms", json={"name": "Hall"}, headers=admin.headers)
    assert second.status == 409


async def test_unknown_and_malformed_room_ids_are_not_found(
    api: TestClient, admin: SignedIn
) -> None:
    for path in (f"/api/rooms/{uuid4()}", "/api/rooms/not-a-uuid"):
        response = await api.get(path, headers=admin.headers)
        assert response.status == 404, path
    assert (await api.delete(f"/api/rooms/{uuid4()}", headers=admin.headers)).status == 404


async def test_a_room_with_class_sessions_cannot_be_deleted(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    room = await db.rooms.create("Hall")
    course = await db.courses.create(code="BIO1", name="Biology")
    start = datetime.now(UTC)
    await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )
    refused = await api.delete(f"/api/rooms/{room.id}", headers=admin.headers)
    assert refused.status == 409
    assert (await refused.json())["error"]["code"] == "in_use"
    assert (await db.rooms.get(room.id)).name == "Hall"
