"""The cameras API: redacted URLs, refused URLs that never echo a password, one-time tokens."""

from __future__ import annotations

from uuid import UUID, uuid4

from aiohttp.test_utils import TestClient

from store.cameras import CameraKind
from store.database import Database
from tests.web.conftest import SignedIn
from web.api.cameras import CameraToken, NewCameraBody

SECRET = "s3cret-Pa55"


async def test_an_rtsp_camera_is_shown_with_its_password_redacted_everywhere(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    room = await db.rooms.create("B-204")
    url = f"rtsp://viewer:{SECRET}@10.0.0.7:554/stream1"
    created = await api.post(
        "/api/cameras",
        json={"name": "front", "room_id": str(room.id), "kind": "rtsp", "url": url},
        headers=admin.headers,
    )
    assert created.status == 201
    body = await created.json()
    assert body["url"] == "rtsp://viewer:***@10.0.0.7:554/stream1"
    assert body["access_token"] is None
    assert body["room_id"] == str(room.id)

    for path in ("/api/cameras", f"/api/cameras/{body['id']}", f"/api/cameras?room_id={room.id}"):
        response = await api.get(path, headers=admin.headers)
        text = await response.text()
        assert response.status == 200, path
        assert SECRET not in text and "***" in text, path
    # the stored camera still connects with the password the admin gave
    assert (await db.cameras.get(UUID(body["id"]))).connection_url() == url


async def test_a_bad_rtsp_url_is_refused_with_a_clear_message_that_never_shows_the_password(
    api: TestClient, admin: SignedIn
) -> None:
    bad_urls = (
        f"ftp://viewer:{SECRET}@10.0.0.7/stream",  # unsupported scheme
        f"rtsp://viewer:{SECRET}@/stream",  # no host
        f"rtsp://viewer:{SECRET}@10.0.0.7:99999/stream",  # port out of range
        f"rtsp://viewer:{SECRET}/x@10.0.0.7/stream",  # raw '/' in the password
        "/srv/videos/lecture.mp4",  # a file on the server, not a camera on the network
    )
    for url in bad_urls:
        response = await api.post(
            "/api/cameras",
            json={"name": "front", "kind": "rtsp", "url": url},
            headers=admin.headers,
        )
        text = await response.text()
        assert response.status == 422, url
        error = (await response.json())["error"]
        assert error["code"] == "invalid_camera_url", url
        assert error["message"], url
        assert SECRET not in text, url
    listed = await (await api.get("/api/cameras", headers=admin.headers)).json()
    assert listed["items"] == []


async def test_camera_bodies_must_match_their_kind(api: TestClient, admin: SignedIn) -> None:
    bodies = (
        {"name": "front", "kind": "rtsp"},  # no URL
        {"name": "front", "kind": "webrtc", "url": f"rtsp://u:{SECRET}@h/s"},  # URL on a browser
        {"name": "front", "kind": "usb"},
        {"name": "front", "kind": "webrtc", "enabled": "yes"},
        {"name": "front", "kind": "webrtc", "room_id": "room-1"},
        {"name": "front", "kind": "rtsp", "url": f"rtsp://u:{SECRET}@h/" + "s" * 5000},
    )
    for body in bodies:
        response = await api.post("/api/cameras", json=body, headers=admin.headers)
        assert response.status == 422, body
        assert SECRET not in await response.text(), body


async def test_a_camera_in_an_unknown_room_is_refused(api: TestClient, admin: SignedIn) -> None:
    response = await api.post(
        "/api/cameras",
        json={"name": "front", "kind": "webrtc", "room_id": str(uuid4())},
        headers=admin.headers,
    )
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "invalid_reference"


async def test_a_browser_camera_token_is_shown_once_and_rotating_it_retires_the_old_one(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    created = await api.post(
        "/api/cameras", json={"name": "phone", "kind": "webrtc"}, headers=admin.headers
    )
    assert created.status == 201
    body = await created.json()
    camera_id = UUID(body["id"])
    first_token = body["access_token"]
    assert first_token and body["url"] is None
    assert await db.cameras.verify_token(camera_id, first_token)

    shown = await (await api.get(f"/api/cameras/{camera_id}", headers=admin.headers)).text()
    assert first_token not in shown and "access_token" not in shown

    rotated = await api.post(f"/api/cameras/{camera_id}/token", headers=admin.headers)
    assert rotated.status == 200
    second_token = (await rotated.json())["access_token"]
    assert second_token != first_token
    assert not await db.cameras.verify_token(camera_id, first_token)
    assert await db.cameras.verify_token(camera_id, second_token)


async def test_only_a_browser_camera_has_a_token_to_rotate(
    api: TestClient, admin: SignedIn
) -> None:
    created = await api.post(
        "/api/cameras",
        json={"name": "front", "kind": "rtsp", "url": "rtsp://10.0.0.7/stream"},
        headers=admin.headers,
    )
    camera_id = (await created.json())["id"]
    response = await api.post(f"/api/cameras/{camera_id}/token", headers=admin.headers)
    assert response.status == 409
    assert (await api.post(f"/api/cameras/{uuid4()}/token", headers=admin.headers)).status == 404


async def test_a_disabled_camera_is_shown_disabled_and_its_token_opens_nothing(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    created = await (
        await api.post(
            "/api/cameras", json={"name": "phone", "kind": "webrtc"}, headers=admin.headers
        )
    ).json()
    path = f"/api/cameras/{created['id']}"
    disabled = await api.patch(path, json={"enabled": False}, headers=admin.headers)
    assert disabled.status == 200
    assert (await disabled.json())["enabled"] is False
    assert not await db.cameras.verify_token(UUID(created["id"]), created["access_token"])
    only_enabled = await (await api.get("/api/cameras?enabled=true", headers=admin.headers)).json()
    assert only_enabled["items"] == []

    not_a_bool = await api.patch(path, json={"enabled": "no"}, headers=admin.headers)
    assert not_a_bool.status == 422
    enabled = await api.patch(path, json={"enabled": True}, headers=admin.headers)
    assert (await enabled.json())["enabled"] is True


async def test_a_camera_is_renamed_moved_and_taken_out_of_its_room(
    api: TestClient, admin: SignedIn
) -> None:
    room = await (await api.post("/api/rooms", json={"name": "D-1"}, headers=admin.headers)).json()
    created = await (
        await api.post(
            "/api/cameras", json={"name": "phone", "kind": "webrtc"}, headers=admin.headers
        )
    ).json()
    path = f"/api/cameras/{created['id']}"

    moved = await api.patch(
        path, json={"name": "desk", "room_id": room["id"]}, headers=admin.headers
    )
    assert moved.status == 200
    assert (await moved.json())["name"] == "desk"
    assert (await moved.json())["room_id"] == room["id"]
    unplaced = await (await api.patch(path, json={"room_id": None}, headers=admin.headers)).json()
    assert (unplaced["name"], unplaced["room_id"], unplaced["enabled"]) == ("desk", None, True)

    nothing = await api.patch(path, json={}, headers=admin.headers)
    assert nothing.status == 422
    nowhere = await api.patch(path, json={"room_id": str(uuid4())}, headers=admin.headers)
    assert nowhere.status == 422
    assert (await (await api.get(path, headers=admin.headers)).json())["room_id"] is None


async def test_deleting_a_camera_removes_it(api: TestClient, admin: SignedIn) -> None:
    created = await (
        await api.post(
            "/api/cameras", json={"name": "phone", "kind": "webrtc"}, headers=admin.headers
        )
    ).json()
    path = f"/api/cameras/{created['id']}"
    assert (await api.delete(path, headers=admin.headers)).status == 204
    assert (await api.get(path, headers=admin.headers)).status == 404
    assert (await api.delete(path, headers=admin.headers)).status == 404


async def test_teachers_read_cameras_and_only_admins_change_them(
    api: TestClient, db: Database, admin: SignedIn, teacher: SignedIn
) -> None:
    camera = (await db.cameras.create(name="front", kind=CameraKind.RTSP, url="rtsp://h/s")).camera
    path = f"/api/cameras/{camera.id}"
    assert (await api.get(path, headers=teacher.headers)).status == 200
    for method, target, body in (
        ("POST", "/api/cameras", {"name": "x", "kind": "webrtc"}),
        ("PATCH", path, {"enabled": False}),
        ("POST", f"{path}/token", None),
        ("DELETE", path, None),
    ):
        forbidden = await api.request(method, target, json=body, headers=teacher.headers)
        assert forbidden.status == 403, (method, target)
        anonymous = await api.request(method, target, json=body)
        assert anonymous.status == 401, (method, target)
    assert (await api.get(path)).status == 401
    assert (await db.cameras.get(camera.id)).enabled


async def test_bad_camera_list_filters_are_refused(api: TestClient, admin: SignedIn) -> None:
    for query in ("room_id=room-1", "enabled=maybe", "limit=0"):
        response = await api.get(f"/api/cameras?{query}", headers=admin.headers)
        assert response.status == 422, query


def test_a_camera_url_or_token_in_a_body_never_shows_in_its_repr() -> None:
    body = NewCameraBody(name="door", kind="rtsp", url=f"rtsp://cam:{SECRET}@10.0.0.5/live")
    token = CameraToken(camera_id=uuid4(), access_token=SECRET)
    for model in (body, token):
        assert SECRET not in repr(model) and SECRET not in str(model)
        assert SECRET in str(model.model_dump())  # still sent where it must be
