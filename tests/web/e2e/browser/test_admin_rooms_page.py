"""The rooms and cameras page in a real browser against the real service: a network camera
added on the page goes live with its password never shown back, a bad address is refused
beside the form with the service's words, and a browser camera's token is shown once (the one
a laptop signs in with), a new one replacing it; cameras are edited and removed on the page."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.streamer.servers import RtspServer
from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import ApiClient
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService
from tests.web.scenes import ClassroomClip

CAMERA_USER = "ceiling"
CAMERA_PASSWORD = "never-shown-back"
GOES_LIVE_WITHIN_MS = 60_000  # the runtime picks the camera up and decodes on 2 busy cores
WAIT_MS = 15_000


@pytest.fixture
async def guarded_rtsp_server(classroom_clip: ClassroomClip) -> AsyncIterator[RtspServer]:
    """The real RTSP server, asking for a username and password."""
    server = RtspServer(classroom_clip.path, user=CAMERA_USER, password=CAMERA_PASSWORD)
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.kill)


async def _rooms_page(browser: BrowserContext, service: RunningService, admin: SignedIn) -> Page:
    await sign_in_browser(browser, service.url, admin.user.username, admin.password)
    page = await browser.new_page()
    await page.goto(f"{service.url}/admin/rooms")
    await expect(page.get_by_role("heading", name="Rooms", exact=True)).to_be_visible()
    return page


async def _camera_signed_in_by(client: ApiClient, token: str) -> str:
    """The id of the camera a token signs in (the classroom laptop's sign-in)."""
    answer = await client.call("POST", "/api/auth/camera", json={"token": token})
    return str(answer["camera"]["camera_id"])


async def test_a_network_camera_added_on_the_page_goes_live_and_a_bad_address_is_refused(
    service: RunningService,
    admin: SignedIn,
    admin_api: ApiClient,
    guarded_rtsp_server: RtspServer,
    artefacts: Path,
) -> None:
    await admin_api.call("POST", "/api/rooms", json={"name": "Room 101"}, expect=201)
    address = f"rtsp://127.0.0.1:{guarded_rtsp_server.port}/cam"
    async with chromium() as browser:
        page = await _rooms_page(browser, service, admin)
        form = page.locator("#new-camera")
        await form.get_by_label("Camera name").fill("Ceiling")
        await form.get_by_label("Room", exact=True).select_option(label="Room 101")
        await form.get_by_label("Camera address").fill(f"{address}/front door")
        await form.get_by_role("button", name="Add camera").click()
        refusal = form.get_by_role("alert")
        await expect(refusal).to_contain_text("contains spaces", timeout=WAIT_MS)
        await expect(refusal).to_contain_text("Request id")
        assert (await admin_api.call("GET", "/api/cameras"))["items"] == []

        await form.get_by_label("Camera address").fill(address)
        await form.get_by_label("Camera username (optional)").fill(CAMERA_USER)
        await form.get_by_label("Camera password (optional)").fill(CAMERA_PASSWORD)
        await form.get_by_role("button", name="Add camera").click()
        await expect(form.get_by_role("status")).to_contain_text("Camera Ceiling added")

        room = page.get_by_role("region", name="Room 101")
        row = room.get_by_role("row").filter(has_text="Ceiling")
        await expect(row).to_contain_text("Live", timeout=GOES_LIVE_WITHIN_MS)
        await expect(row).to_contain_text(f"rtsp://{CAMERA_USER}:***@127.0.0.1")
        assert CAMERA_PASSWORD not in await page.content()
        assert await form.get_by_label("Camera password (optional)").input_value() == ""
        await page.screenshot(path=artefacts / "admin-rooms.png", full_page=True)
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.screenshot(path=artefacts / "admin-rooms-phone.png", full_page=True)


async def test_a_browser_camera_s_token_is_shown_once_and_a_new_one_replaces_it(
    service: RunningService, admin: SignedIn, admin_api: ApiClient
) -> None:
    await admin_api.call("POST", "/api/rooms", json={"name": "Lab"}, expect=201)
    async with chromium() as browser:
        page = await _rooms_page(browser, service, admin)
        form = page.locator("#new-camera")
        await form.get_by_label("Browser camera (a classroom laptop)").check()
        await expect(form.get_by_label("Camera address")).to_be_hidden()
        await form.get_by_label("Camera name").fill("Laptop")
        await form.get_by_label("Room", exact=True).select_option(label="Lab")
        await form.get_by_role("button", name="Add camera").click()

        panel = page.get_by_role("region", name="Browser camera token")
        token_box = panel.get_by_label("One-time camera token")
        await expect(token_box).not_to_have_value("", timeout=WAIT_MS)
        token = await token_box.input_value()
        assert len(token) >= 20
        await expect(panel.get_by_role("link")).to_have_attribute("href", "/camera/sign-in")

        (camera,) = (await admin_api.call("GET", "/api/cameras"))["items"]
        assert camera["name"] == "Laptop" and "access_token" not in camera
        assert "access_token" not in await admin_api.call("GET", f"/api/cameras/{camera['id']}")
        assert await _camera_signed_in_by(admin_api, token) == camera["id"]

        await panel.get_by_role("button", name="Done, hide the token").click()
        await expect(panel).to_be_hidden()
        await page.reload()
        await expect(page.get_by_role("row").filter(has_text="Laptop")).to_be_visible()
        assert token not in await page.content()

        await page.get_by_role("button", name="New token for Laptop").click()
        await page.get_by_role("dialog").get_by_role("button", name="Give a new token").click()
        await expect(token_box).not_to_have_value("", timeout=WAIT_MS)
        new_token = await token_box.input_value()
        assert new_token != token
        assert await _camera_signed_in_by(admin_api, new_token) == camera["id"]
        await admin_api.call("POST", "/api/auth/camera", json={"token": token}, expect=401)


async def test_a_camera_is_renamed_moved_disabled_and_deleted_on_the_page(
    service: RunningService, admin: SignedIn, admin_api: ApiClient
) -> None:
    lab = await admin_api.call("POST", "/api/rooms", json={"name": "Lab"}, expect=201)
    hall = await admin_api.call("POST", "/api/rooms", json={"name": "Hall"}, expect=201)
    camera = await admin_api.call(
        "POST",
        "/api/cameras",
        json={"name": "Laptop", "kind": "webrtc", "room_id": lab["id"]},
        expect=201,
    )
    async with chromium() as browser:
        page = await _rooms_page(browser, service, admin)
        rename_lab = page.get_by_role("button", name="Rename room Lab")
        await rename_lab.click()
        await expect(page.get_by_label("New name for Lab")).to_be_focused()
        await page.get_by_role("region", name="Lab").get_by_role("button", name="Cancel").click()
        await expect(rename_lab).to_be_focused()  # not lost with the hidden form

        await page.get_by_role("button", name="Edit Laptop").click()
        await page.get_by_label("Name of Laptop").fill("Back laptop")
        await page.get_by_label("Room of Laptop").select_option(label="Hall")
        await page.get_by_role("button", name="Save").click()
        moved = (
            page.get_by_role("region", name="Hall")
            .get_by_role("row")
            .filter(has_text="Back laptop")
        )
        await expect(moved).to_be_visible(timeout=WAIT_MS)
        # the list is drawn afresh after each change: focus finds the same place in it
        await expect(page.get_by_role("button", name="Edit Back laptop")).to_be_focused()
        stored = await admin_api.call("GET", f"/api/cameras/{camera['id']}")
        assert (stored["name"], stored["room_id"]) == ("Back laptop", hall["id"])

        await page.get_by_role("button", name="Disable Back laptop").click()
        await expect(moved).to_contain_text("Disabled", timeout=WAIT_MS)
        await expect(page.get_by_role("button", name="Enable Back laptop")).to_be_focused()
        assert not (await admin_api.call("GET", f"/api/cameras/{camera['id']}"))["enabled"]

        await page.get_by_role("button", name="Delete Back laptop").click()
        await page.get_by_role("dialog").get_by_role("button", name="Delete camera").click()
        await expect(page.get_by_role("status").filter(has_text="deleted")).to_be_visible(
            timeout=WAIT_MS
        )
        await expect(moved).to_have_count(0)
        await expect(page.get_by_role("heading", name="Hall")).to_be_focused()
        await admin_api.call("GET", f"/api/cameras/{camera['id']}", expect=404)
