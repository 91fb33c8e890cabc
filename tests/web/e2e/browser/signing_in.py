"""Signing a browser in as a user would: the sign-in page's form, once per browser; the session
cookie it sets then opens every page the user may see."""

from __future__ import annotations

from playwright.async_api import BrowserContext

SIGN_IN_TIMEOUT_MS = 30_000


async def sign_in_browser(browser: BrowserContext, url: str, username: str, password: str) -> None:
    """Sign the browser in through the form at `url`/sign-in; fails if the service refuses."""
    page = await browser.new_page()
    try:
        await page.goto(f"{url}/sign-in?next=%2Fapi%2Fauth%2Fme")
        await page.get_by_label("Username").fill(username)
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{url}/api/auth/me", timeout=SIGN_IN_TIMEOUT_MS)
    finally:
        await page.close()
