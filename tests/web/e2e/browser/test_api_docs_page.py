"""The API reference page in a real browser: contents by area, each operation with who may
call it and what it answers, and the schemas it names, read from the service's own document."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import expect

from tests.web.conftest import SignedIn
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService


async def test_the_reference_lists_every_operation_with_its_role_and_links_its_schemas(
    service: RunningService, teacher: SignedIn, artefacts: Path
) -> None:
    async with chromium() as browser:
        await sign_in_browser(browser, service.url, teacher.user.username, teacher.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/api/docs")
        await expect(page.locator("#docs-status")).to_contain_text(" operations, ")
        contents = page.get_by_role("navigation", name="Contents")
        await contents.get_by_role("link", name="attendance").click()
        sheet = page.locator("article", has_text="/api/sessions/{session_id}/attendance").first
        await expect(sheet).to_contain_text("Needs: teacher")
        await sheet.get_by_role("link", name="AttendanceSheet").click()
        await expect(page.locator("#schema-AttendanceSheet")).to_contain_text("counts")
        live = page.locator("article", has_text="/ws").first
        await expect(live).to_contain_text("The service sends:")
        await page.screenshot(path=artefacts / "api-docs.png", full_page=False)
