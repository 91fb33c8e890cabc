"""The camera page on a device with no webcam (Chromium started with fake media devices, none
of them a camera): an admin keeps the whole page (menu, camera picker, enrolment search) and
reads in plain words that there is no webcam and what to do; a camera signed in with its
token is told the same and streams nothing."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Locator, Page, expect

from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import CONSENTED, ApiClient
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService

WAIT_MS = 30_000  # a loaded 2-core machine runs the service, the browser and the tests
NO_WEBCAM = "No webcam found on this device"
BROWSER_SAYS = "Requested device not found"  # Chromium's own words: never shown as they are


async def a_browser_camera(admin: ApiClient) -> dict[str, str]:
    room = await admin.call("POST", "/api/rooms", json={"name": "Lab 2"}, expect=201)
    camera: dict[str, str] = await admin.call(
        "POST",
        "/api/cameras",
        json={"name": "Desk laptop", "room_id": room["id"], "kind": "webrtc"},
        expect=201,
    )
    return camera


def problem(page: Page) -> Locator:
    return page.get_by_role("alert").filter(has_text=NO_WEBCAM)


async def test_an_admin_without_a_webcam_keeps_the_whole_page_and_is_told_what_to_do(
    service: RunningService, admin: SignedIn, admin_api: ApiClient, artefacts: Path
) -> None:
    camera = await a_browser_camera(admin_api)
    person = await admin_api.call(
        "POST",
        "/api/people",
        json={"external_id": "NW-1", "display_name": "Noor Webb", "consent_at": CONSENTED},
        expect=201,
    )
    async with chromium(webcam=False) as browser:
        await sign_in_browser(browser, service.url, admin.user.username, admin.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/camera")

        await expect(problem(page)).to_be_visible(timeout=WAIT_MS)
        await expect(problem(page)).to_contain_text("Plug in a webcam")
        await expect(problem(page).get_by_role("button", name="Try again")).to_be_visible()
        await expect(page.get_by_text(BROWSER_SAYS)).to_have_count(0)
        await expect(page.locator("#stream-state")).to_have_text("Not streaming: no webcam")

        menu = page.get_by_role("navigation", name="Main")
        for link in ("Board", "Camera", "People", "Rooms & cameras", "Sessions"):
            await expect(menu.get_by_role("link", name=link, exact=True)).to_be_visible()
        picker = page.get_by_label("Browser camera of the room")
        await expect(picker.locator("option", has_text="Desk laptop")).to_have_count(1)
        await picker.select_option(camera["id"])
        await expect(page.locator("#stream-state")).to_have_text("Not streaming: no webcam")

        # the person is found; only the snapshot needs a webcam, and the page says where else
        enrolment = page.get_by_role("region", name="Enrol a student from the camera")
        await enrolment.get_by_label("Name or student number").fill("NW-1")
        await enrolment.get_by_role("button", name="Search").click()
        await expect(enrolment.get_by_label("Person to enrol")).to_have_value(
            person["id"], timeout=WAIT_MS
        )
        await expect(
            enrolment.get_by_role("button", name="Take snapshot and enrol")
        ).to_be_disabled()
        await expect(enrolment.get_by_role("link", name="People")).to_have_attribute(
            "href", "/admin/people"
        )
        await page.screenshot(path=artefacts / "camera-no-webcam.png", full_page=True)

        # asking again finds no webcam again, and says so again: no error of the browser's
        await problem(page).get_by_role("button", name="Try again").click()
        await expect(problem(page)).to_be_visible()
        await expect(page.get_by_text(BROWSER_SAYS)).to_have_count(0)
    status = await admin_api.call("GET", f"/api/cameras/{camera['id']}/status")
    assert status["state"] != "live"  # nothing was streamed


async def test_a_camera_signed_in_on_a_device_without_a_webcam_says_so(
    service: RunningService, admin_api: ApiClient, artefacts: Path
) -> None:
    camera = await a_browser_camera(admin_api)
    async with chromium(webcam=False, viewport=(390, 844)) as browser:
        page = await browser.new_page()
        await page.goto(f"{service.url}/camera")
        await page.get_by_label("Camera token").fill(camera["access_token"])
        await page.get_by_role("button", name="Sign the camera in").click()
        await page.wait_for_url(f"{service.url}/camera", timeout=WAIT_MS)

        await expect(problem(page)).to_be_visible(timeout=WAIT_MS)
        await expect(page.get_by_text("Camera “Desk laptop” in Lab 2")).to_be_visible()
        await expect(page.locator("#stream-state")).to_have_text("Not streaming: no webcam")
        await expect(page.get_by_text(BROWSER_SAYS)).to_have_count(0)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await page.screenshot(path=artefacts / "camera-no-webcam-phone.png", full_page=True)
