"""Signing a browser in as a user would, through the sign-in page, for tests whose subject
is another page: the session cookie it leaves is shared by every page of the browser."""

from __future__ import annotations

from playwright.async_api import BrowserContext

SIGNED_IN_TIMEOUT_MS = 30_000


async def sign_in_browser(browser: BrowserContext, url: str, username: str, password: str) -> None:
    """Post the sign-in form once (in a page closed afterwards) and wait until it lands."""
    page = await browser.new_page()
    try:
        await page.goto(f"{url}/sign-in?next=%2Fapi%2Fauth%2Fme")
        await page.get_by_label("Username").fill(username)
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{url}/api/auth/me", timeout=SIGNED_IN_TIMEOUT_MS)
    finally:
        await page.close()
