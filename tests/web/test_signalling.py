"""WebRTC signalling: a browser camera's offer answered by the live runtime's peer, for the
camera's own token or an admin only; bad offers are clear 4xx JSON."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from store.cameras import CameraKind, NewCamera
from store.database import Database
from streamer.webrtc.synthetic_peer import SyntheticPeer
from tests.web.conftest import SignedIn
from web.app import build_app
from web.http.services import Services


@pytest.fixture
async def browser_camera(db: Database) -> NewCamera:
    room = await db.rooms.create("Lecture hall")
    return await db.cameras.create(name="Laptop", kind=CameraKind.WEBRTC, room_id=room.id)


@pytest.fixture
async def live_api(
    aiohttp_client: Any, browser_camera: NewCamera, live_services: Services
) -> TestClient:
    """The API with a live runtime that started with the browser camera in place."""
    return await aiohttp_client(build_app(live_services))


@pytest.fixture
async def peer() -> AsyncIterator[SyntheticPeer]:
    sender = SyntheticPeer("VP8", 160, 120, 10)
    yield sender
    await sender.close()


def _offer_url(camera_id: uuid.UUID) -> str:
    return f"/api/cameras/{camera_id}/offer"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_camera_s_own_token_gets_an_answer_its_peer_accepts(
    live_api: TestClient, browser_camera: NewCamera, peer: SyntheticPeer
) -> None:
    response = await live_api.post(
        _offer_url(browser_camera.camera.id),
        json={"sdp": await peer.offer(), "type": "offer"},
        headers=_bearer(browser_camera.access_token),
    )
    body = await response.json()
    assert response.status == 200, body
    assert body["type"] == "answer"
    assert body["sdp"].startswith("v=0")
    await peer.accept_answer(body["sdp"])


async def test_an_admin_may_connect_a_camera_but_a_teacher_may_not(
    live_api: TestClient,
    browser_camera: NewCamera,
    peer: SyntheticPeer,
    admin: SignedIn,
    teacher: SignedIn,
) -> None:
    offer = {"sdp": await peer.offer(), "type": "offer"}
    url = _offer_url(browser_camera.camera.id)
    refused = await live_api.post(url, json=offer, headers=teacher.headers)
    assert refused.status == 403
    allowed = await live_api.post(url, json=offer, headers=admin.headers)
    assert allowed.status == 200


async def test_without_a_token_or_with_another_camera_s_token_the_offer_is_refused(
    live_api: TestClient, browser_camera: NewCamera, db: Database
) -> None:
    other = await db.cameras.create(name="Other laptop", kind=CameraKind.WEBRTC)
    url = _offer_url(browser_camera.camera.id)
    offer = {"sdp": "v=0\r\n", "type": "offer"}
    assert (await live_api.post(url, json=offer)).status == 401
    wrong = await live_api.post(url, json=offer, headers=_bearer(other.access_token))
    assert wrong.status == 403


async def test_a_malformed_offer_is_a_422_saying_why(
    live_api: TestClient, browser_camera: NewCamera
) -> None:
    url = _offer_url(browser_camera.camera.id)
    headers = _bearer(browser_camera.access_token)
    for body, code in (
        ({"sdp": "v=0\r\no=garbage\r\n", "type": "offer"}, "invalid_sdp"),
        ({"sdp": "hello", "type": "offer"}, "invalid_sdp"),
        ({"sdp": "v=0\r\n", "type": "answer"}, "invalid"),
        ({"type": "offer"}, "invalid"),
    ):
        response = await live_api.post(url, json=body, headers=headers)
        assert response.status == 422, body
        error = (await response.json())["error"]
        assert error["code"] == code
        assert error["message"]
    not_json = await live_api.post(
        url, data=b"v=0", headers={**headers, "Content-Type": "application/sdp"}
    )
    assert not_json.status == 415


async def test_an_offer_for_a_camera_that_does_not_exist_is_404(
    live_api: TestClient, admin: SignedIn
) -> None:
    response = await live_api.post(
        _offer_url(uuid.uuid4()), json={"sdp": "v=0\r\n", "type": "offer"}, headers=admin.headers
    )
    assert response.status == 404


async def test_offers_are_rate_limited_per_client(
    live_api: TestClient, browser_camera: NewCamera, services: Services
) -> None:
    burst = services.settings.service.offer_burst
    url = _offer_url(browser_camera.camera.id)
    statuses = [
        (await live_api.post(url, json={"sdp": "v=0", "type": "offer"})).status
        for _ in range(burst + 1)
    ]
    assert statuses[:burst] == [401] * burst
    assert statuses[burst] == 429
