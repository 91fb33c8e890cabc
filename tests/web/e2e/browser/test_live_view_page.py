"""The live view in a real browser against `rollcall serve --demo`: the demo's file camera,
seen from the page an admin opens from the menu, its frames drawn with the face boxes and the
demo students' names the service finds in them. A screenshot of it goes to the artefacts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService, serving
from web.demo.config import DemoConfig
from web.settings import Settings

WAIT_MS = 30_000
NAMES_WAIT_MS = 120_000  # the demo starts its camera, then the engine votes on each face
SCREENSHOT = "live-view-demo-1280x800.png"
KNOWN_AT_LEAST = 3  # of the demo's 6 students in one frame (some sit behind an occluder)


@pytest.fixture
async def demo(settings: Settings) -> AsyncIterator[RunningService]:
    short = settings.model_copy(update={"demo": DemoConfig(video_seconds=15.0)})
    async with serving(short, demo=True) as service:
        yield service


async def _drawn_pixels(page: Page, canvas: str) -> int:
    """How many pixels of the canvas something was drawn on (alpha above zero)."""
    return int(
        await page.evaluate(
            """(id) => {
                const canvas = document.getElementById(id);
                const data = canvas.getContext("2d")
                    .getImageData(0, 0, canvas.width, canvas.height).data;
                let drawn = 0;
                for (let i = 3; i < data.length; i += 4) if (data[i] > 0) drawn++;
                return drawn;
            }""",
            canvas,
        )
    )


async def test_the_demo_camera_is_seen_live_with_named_face_boxes(
    demo: RunningService, artefacts: Path
) -> None:
    details = demo.demo
    assert details is not None
    async with chromium() as browser:
        await sign_in_browser(browser, demo.url, details["username"], details["password"])
        page = await browser.new_page()
        await page.goto(f"{demo.url}/board")
        await page.get_by_role("link", name="Live view").click()
        await page.get_by_label("Camera", exact=True).select_option(details["camera_id"])
        await expect(page).to_have_url(f"{demo.url}/live?camera={details['camera_id']}")
        await expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible(
            timeout=WAIT_MS
        )
        frame = page.locator("#live-frame")
        await expect(frame).to_have_attribute("data-frames", timeout=WAIT_MS)
        # the demo's students by name, drawn over the frame and listed under it
        known = page.locator("#live-faces li.face-known", has_text="Demo Student")
        await expect(known.nth(KNOWN_AT_LEAST - 1)).to_be_visible(timeout=NAMES_WAIT_MS)
        await expect(page.locator("#live-faces-summary")).to_contain_text("in view")
        assert await page.evaluate("document.getElementById('live-frame').width") == 640
        assert await _drawn_pixels(page, "live-frame") == 640 * 360  # a whole picture
        assert await _drawn_pixels(page, "live-boxes") > 0  # and boxes over it
        await page.screenshot(path=artefacts / SCREENSHOT)
