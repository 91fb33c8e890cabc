"""Debian's Chromium, headless, driven by Playwright: never a browser Playwright downloads.

Each browser gets a new empty profile and a fake webcam (playing a .y4m file when given; a
test of a device with no webcam gets none), and the camera permission prompt is answered
yes, as a classroom laptop left signed in would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

from playwright.async_api import BrowserContext, ConsoleMessage, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")

# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; --no-sandbox because CI runs the tests as root.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
)
FAKE_WEBCAM = "--use-fake-device-for-media-stream"
# the same fake devices, none of them a camera: a device with no webcam, whatever the machine has
NO_WEBCAM = "--use-fake-device-for-media-stream=device-count=0"


class ContentSecurityViolation(AssertionError):
    """A page did something its Content-Security-Policy forbids (an inline script, handler or
    style, a resource from elsewhere): it works nowhere the policy is enforced."""


def _watch_for_violations(page: Page, violations: list[str]) -> None:
    def heard(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", heard)


@asynccontextmanager
async def chromium(
    *,
    fake_video: Path | None = None,
    viewport: tuple[int, int] = (1280, 800),
    webcam: bool = True,
) -> AsyncIterator[BrowserContext]:
    """A browser with a profile of its own, closed (and the profile removed) afterwards. Any
    page's Content-Security-Policy violation fails the test when the browser closes. With
    webcam=False it finds no camera at all."""
    args = [*FLAGS, FAKE_WEBCAM if webcam else NO_WEBCAM]
    if fake_video is not None:
        args.append(f"--use-file-for-fake-video-capture={fake_video}")
    with TemporaryDirectory(prefix="rollcall-chromium-") as profile:
        async with async_playwright() as playwright:
            # Playwright passes --user-data-dir=<profile> itself for a persistent context
            context = await playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=args,
                ignore_default_args=["--enable-automation"],
                viewport={"width": viewport[0], "height": viewport[1]},
                permissions=["camera"],
            )
            violations: list[str] = []
            for page in context.pages:  # the blank one a persistent context opens with
                _watch_for_violations(page, violations)
            context.on("page", lambda page: _watch_for_violations(page, violations))
            try:
                yield context
            finally:
                await context.close()
            if violations:
                raise ContentSecurityViolation("\n".join(violations))
