"""The users page in a real browser: a teacher added on the page can sign in; deactivating the
only admin is refused with the service's own message and changes nothing; deactivating the
teacher (after a confirm step) takes effect, and they can be brought back and promoted."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import expect

from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import ApiClient, signed_in
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService

TEACHER_PASSWORD = "ten-chars-or-more-please"


async def user_named(admin_api: ApiClient, username: str) -> dict[str, object]:
    users = (await admin_api.call("GET", "/api/users"))["items"]
    return next(user for user in users if user["username"] == username)


async def test_a_teacher_is_added_and_the_only_admin_cannot_be_deactivated(
    service: RunningService, admin: SignedIn, admin_api: ApiClient, artefacts: Path
) -> None:
    async with chromium() as browser:
        await sign_in_browser(browser, service.url, admin.user.username, admin.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/admin/users")
        await expect(
            page.get_by_role("rowheader", name=f"{admin.user.username} (you)")
        ).to_be_visible()

        await page.get_by_label("Username").fill("terry")
        await page.get_by_label("Display name").fill("Terry Teacher")
        await page.get_by_label("Role").select_option("teacher")
        await page.get_by_label("Password (at least 10 characters)", exact=True).fill(
            TEACHER_PASSWORD
        )
        await page.get_by_role("button", name="Add user").click()
        await expect(page.get_by_role("status")).to_have_text("terry was added as teacher.")
        teacher = await user_named(admin_api, "terry")
        assert (teacher["role"], teacher["display_name"], teacher["active"]) == (
            "teacher",
            "Terry Teacher",
            True,
        )
        async with signed_in(service.url, "terry", TEACHER_PASSWORD) as terry:
            assert (await terry.call("GET", "/api/auth/me"))["role"] == "teacher"

        await page.get_by_role("button", name=f"Deactivate {admin.user.username}").click()
        dialog = page.get_by_role("dialog", name=f"Deactivate {admin.user.username}?")
        await dialog.get_by_role("button", name="Deactivate").click()
        refusal = page.get_by_role("alert")
        await expect(refusal).to_contain_text("this is the last active admin: add another first")
        await expect(refusal).to_contain_text("Request id")
        assert (await user_named(admin_api, admin.user.username))["active"] is True

        await page.get_by_role("button", name="Deactivate Terry Teacher").click()
        await page.get_by_role("dialog").get_by_role("button", name="Deactivate").click()
        await expect(page.get_by_role("status")).to_have_text("terry was deactivated.")
        await expect(page.get_by_role("row", name="terry")).to_contain_text("Deactivated")
        await expect(page.get_by_role("heading", name="All users")).to_be_focused()
        assert (await user_named(admin_api, "terry"))["active"] is False

        await page.get_by_role("button", name="Reactivate Terry Teacher").click()
        await expect(page.get_by_role("status")).to_have_text("terry can sign in again.")
        await page.get_by_role("button", name="Make admin Terry Teacher").click()
        await expect(page.get_by_role("status")).to_have_text("terry is now admin.")
        terry = await user_named(admin_api, "terry")
        assert (terry["active"], terry["role"]) == (True, "admin")
        await page.screenshot(path=artefacts / "admin-users.png", full_page=True)
