"""A browser camera signs in with its token alone and gets an HttpOnly cookie that opens the
camera page and its own camera's WebRTC offer, nothing else; the cookie dies with the token."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp.test_utils import TestClient
from yarl import URL

from store.cameras import CameraKind
from store.database import Database
from tests.web.conftest import SignedIn
from web.http.auth import CAMERA_COOKIE

# Authorised offers go as far as the missing live runtime (these tests run none): 503.
OFFER = {"sdp": "v=0\r\n", "type": "offer"}
AUTHORISED_OFFER = 503
CROSS_SITE = {"Origin": "https://evil.example"}


@dataclass(frozen=True)
class BrowserCamera:
    id: str
    token: str


async def _browser_camera(api: TestClient, admin: SignedIn, name: str) -> BrowserCamera:
    response = await api.post(
        "/api/cameras", json={"name": name, "kind": "webrtc"}, headers=admin.headers
    )
    assert response.status == 201
    body = await response.json()
    return BrowserCamera(body["id"], body["access_token"])


async def _signed_in_cookie(api: TestClient, token: str) -> dict[str, str]:
    response = await api.post("/api/auth/camera", json={"token": token})
    assert response.status == 200
    api.session.cookie_jar.clear()  # each request below says which cookie it carries
    return {"Cookie": f"{CAMERA_COOKIE}={response.cookies[CAMERA_COOKIE].value}"}


async def test_the_token_is_traded_for_an_http_only_strict_cookie_naming_the_camera(
    api: TestClient, admin: SignedIn
) -> None:
    camera = await _browser_camera(api, admin, "Laptop 101")

    response = await api.post("/api/auth/camera", json={"token": camera.token})

    assert response.status == 200
    assert (await response.json())["camera"]["camera_id"] == camera.id
    cookie = response.cookies[CAMERA_COOKIE]
    api.session.cookie_jar.clear()  # each request below says which cookie it carries
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain http here, as for the users' cookie
    who = await api.get("/api/auth/camera", headers={"Cookie": f"{CAMERA_COOKIE}={cookie.value}"})
    assert (await who.json())["camera"]["name"] == "Laptop 101"
    assert (await (await api.get("/api/auth/camera")).json()) == {"camera": None}


async def test_a_wrong_token_a_replaced_one_and_a_disabled_cameras_get_the_same_401(
    api: TestClient, admin: SignedIn
) -> None:
    replaced = await _browser_camera(api, admin, "replaced")
    rotated = await api.post(f"/api/cameras/{replaced.id}/token", headers=admin.headers)
    assert rotated.status == 200
    disabled = await _browser_camera(api, admin, "disabled")
    await api.patch(f"/api/cameras/{disabled.id}", json={"enabled": False}, headers=admin.headers)

    answers = []
    for token in ("not-a-token-anyone-has", replaced.token, disabled.token):
        response = await api.post("/api/auth/camera", json={"token": token})
        answers.append((response.status, (await response.json())["error"]["message"]))
        assert CAMERA_COOKIE not in response.cookies

    assert answers == [(401, "this camera token is not valid")] * 3


async def test_a_camera_that_reads_a_url_does_not_sign_a_browser_in(
    api: TestClient, db: Database
) -> None:
    # the API shows no token for such a camera, but the store gives every camera one
    created = await db.cameras.create(
        name="ceiling", kind=CameraKind.RTSP, url="rtsp://10.0.0.9/stream"
    )

    refused = await api.post("/api/auth/camera", json={"token": created.access_token})

    assert refused.status == 409
    assert (await refused.json())["error"]["code"] == "not_a_browser_camera"
    assert CAMERA_COOKIE not in refused.cookies


async def test_the_cookie_opens_the_camera_page_and_its_own_cameras_offer_only(
    api: TestClient, admin: SignedIn
) -> None:
    mine = await _browser_camera(api, admin, "mine")
    other = await _browser_camera(api, admin, "other")
    cookie = await _signed_in_cookie(api, mine.token)

    page = await api.get("/camera", headers=cookie, allow_redirects=False)
    own_offer = await api.post(f"/api/cameras/{mine.id}/offer", json=OFFER, headers=cookie)
    other_offer = await api.post(f"/api/cameras/{other.id}/offer", json=OFFER, headers=cookie)
    admin_page = await api.get("/admin/people", headers=cookie, allow_redirects=False)
    people = await api.get("/api/people", headers=cookie)

    assert page.status == 200 and page.content_type == "text/html"
    assert own_offer.status == AUTHORISED_OFFER
    assert other_offer.status == 403
    assert admin_page.status == 303  # a camera is no user: sent to sign in
    assert people.status == 401


async def test_a_visitor_at_the_camera_page_is_sent_to_the_cameras_sign_in_and_a_teacher_refused(
    api: TestClient, teacher: SignedIn
) -> None:
    visitor = await api.get("/camera", allow_redirects=False)
    as_teacher = await api.get(
        "/camera", headers={"Cookie": f"rollcall_session={teacher.token}"}, allow_redirects=False
    )

    assert visitor.status == 303
    location = URL(visitor.headers["Location"])
    assert (location.path, location.query["next"]) == ("/camera/sign-in", "/camera")
    assert as_teacher.status == 403
    assert (await api.get("/camera/sign-in")).status == 200


async def test_a_cross_site_post_with_the_cookie_is_refused(
    api: TestClient, admin: SignedIn
) -> None:
    camera = await _browser_camera(api, admin, "laptop")
    cookie = await _signed_in_cookie(api, camera.token)

    offer = await api.post(
        f"/api/cameras/{camera.id}/offer", json=OFFER, headers={**cookie, **CROSS_SITE}
    )
    sign_out = await api.post("/api/auth/camera/logout", headers={**cookie, **CROSS_SITE})

    assert offer.status == 403
    assert (await offer.json())["error"]["message"] == "cross-site request refused"
    assert sign_out.status == 403
    assert CAMERA_COOKIE not in sign_out.cookies


async def test_signing_out_clears_the_cookie(api: TestClient, admin: SignedIn) -> None:
    camera = await _browser_camera(api, admin, "laptop")
    cookie = await _signed_in_cookie(api, camera.token)

    response = await api.post("/api/auth/camera/logout", headers=cookie)

    assert response.status == 204
    cleared = response.cookies[CAMERA_COOKIE]
    assert cleared.value == "" and cleared["max-age"] == "0"


async def test_a_replaced_token_stops_the_cookie_made_from_the_old_one(
    api: TestClient, admin: SignedIn
) -> None:
    camera = await _browser_camera(api, admin, "laptop")
    cookie = await _signed_in_cookie(api, camera.token)
    assert (await api.get("/camera", headers=cookie, allow_redirects=False)).status == 200

    rotated = await api.post(f"/api/cameras/{camera.id}/token", headers=admin.headers)
    assert rotated.status == 200

    page = await api.get("/camera", headers=cookie, allow_redirects=False)
    offer = await api.post(f"/api/cameras/{camera.id}/offer", json=OFFER, headers=cookie)
    who = await api.get("/api/auth/camera", headers=cookie)
    assert page.status == 303
    assert URL(page.headers["Location"]).path == "/camera/sign-in"
    assert offer.status == 401
    assert (await who.json()) == {"camera": None}
    new_cookie = await _signed_in_cookie(api, (await rotated.json())["access_token"])
    assert (await api.get("/camera", headers=new_cookie, allow_redirects=False)).status == 200
