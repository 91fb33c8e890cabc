"""The sign-in page in a real browser: a page that needs a user sends the visitor to sign in
and back; a wrong password is said plainly; the session lives in a cookie scripts cannot read."""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import SignedIn
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService


async def test_a_wrong_password_is_refused_on_the_page_and_the_right_one_signs_in(
    service: RunningService, admin: SignedIn
) -> None:
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{service.url}/sign-in?next=%2Fapi%2Fauth%2Fme")
        await page.get_by_label("Username").fill(admin.user.username)
        await page.get_by_label("Password").fill("not the password")
        await page.get_by_role("button", name="Sign in").click()
        alert = page.get_by_role("alert")
        await alert.wait_for()
        assert "unknown username or wrong password" in await alert.inner_text()
        assert "Request id" in await alert.inner_text()

        await page.get_by_label("Password").fill(admin.password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{service.url}/api/auth/me")
        assert admin.user.username in await page.content()

        cookies = await browser.cookies(service.url)
        session = next(c for c in cookies if c["name"] == "rollcall_session")
        assert session["httpOnly"] and session["sameSite"] == "Strict"
        assert await page.evaluate("document.cookie") == ""


async def test_a_page_for_users_sends_a_visitor_to_sign_in_and_back_with_a_local_path_only(
    service: RunningService, admin: SignedIn
) -> None:
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{service.url}/sign-in?next=https%3A%2F%2Fevil.example%2F")
        await page.get_by_label("Username").fill(admin.user.username)
        await page.get_by_label("Password").fill(admin.password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(
            lambda url: not url.endswith("/sign-in?next=https%3A%2F%2Fevil.example%2F")
        )
        assert page.url.startswith(service.url)


async def test_a_next_path_that_leaves_the_site_through_a_backslash_lands_on_the_board(
    service: RunningService, admin: SignedIn
) -> None:
    # browsers read "/\host" as "//host": it starts with one slash yet names another site
    # (here the same service under another name, so a wrong redirect lands somewhere real)
    elsewhere = service.url.removeprefix("http://").replace("127.0.0.1", "localhost")
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{service.url}/sign-in?next=%2F%5C{elsewhere}%2Fhealth%2Flive")
        await page.get_by_label("Username").fill(admin.user.username)
        await page.get_by_label("Password").fill(admin.password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{service.url}/board")


async def test_a_teacher_who_opens_an_admin_page_is_told_it_is_for_admins_and_shown_the_board(
    service: RunningService, teacher: SignedIn
) -> None:
    async with chromium() as browser:
        await sign_in_browser(browser, service.url, teacher.user.username, teacher.password)
        page = await browser.new_page()
        response = await page.goto(f"{service.url}/admin/people")
        assert response is not None and response.status == 403
        await expect(page.get_by_role("alert")).to_have_text("This page is for admins.")
        await expect(page.get_by_text(f"({teacher.user.role.value})")).to_be_visible()
        await page.get_by_role("link", name="Go to the attendance board").click()
        await page.wait_for_url(f"{service.url}/board")
