"""The class sessions page in a real browser against the real service: a session scheduled
in local time is stored at that instant, started and stopped from the list, and a step
another user made stale is refused with the service's words; a weekly timetable schedules
every lesson of its days, and an unknown time zone is refused beside its form."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect

from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import ApiClient
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService

WAIT_MS = 15_000


async def _sessions_page(browser: BrowserContext, service: RunningService, admin: SignedIn) -> Page:
    await sign_in_browser(browser, service.url, admin.user.username, admin.password)
    page = await browser.new_page()
    await page.goto(f"{service.url}/admin/sessions")
    await expect(page.get_by_label("Course", exact=True).first).to_contain_text("BIO101")
    return page


async def _local_day(page: Page, days_ahead: int) -> str:
    """A day in the browser's own calendar (tomorrow's lessons never close on their own
    while the test runs)."""
    return await page.evaluate(
        """(ahead) => {
            const day = new Date();
            day.setDate(day.getDate() + ahead);
            const pad = (n) => String(n).padStart(2, "0");
            return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
        }""",
        days_ahead,
    )


async def _class(admin_api: ApiClient) -> tuple[dict, dict]:
    course = await admin_api.call(
        "POST", "/api/courses", json={"code": "BIO101", "name": "Biology"}, expect=201
    )
    room = await admin_api.call("POST", "/api/rooms", json={"name": "Lab"}, expect=201)
    return course, room


async def test_a_session_scheduled_on_the_page_is_started_stopped_and_a_stale_step_refused(
    service: RunningService, admin: SignedIn, admin_api: ApiClient, artefacts: Path
) -> None:
    course, room = await _class(admin_api)
    async with chromium() as browser:
        page = await _sessions_page(browser, service, admin)
        filter_day = page.get_by_label("Day").first
        assert await filter_day.input_value() == await _local_day(page, 0)
        await expect(page.get_by_text("No sessions match.")).to_be_visible()

        tomorrow = await _local_day(page, 1)
        form = page.locator("#schedule-session")
        await form.get_by_label("Course").select_option(label="BIO101 Biology")
        await form.get_by_label("Room").select_option(label="Lab")
        await form.get_by_label("Day").fill(tomorrow)
        await form.get_by_label("Starts").fill("09:00")
        await form.get_by_label("Ends").fill("09:50")
        await form.get_by_role("button", name="Schedule session").click()
        await expect(form.get_by_role("status")).to_contain_text("Session scheduled")

        (session,) = (await admin_api.call("GET", "/api/sessions"))["items"]
        assert (session["course_id"], session["room_id"]) == (course["id"], room["id"])
        nine = await page.evaluate(
            "(day) => new Date(`${day}T09:00`).toISOString()", tomorrow
        )  # the browser's local 09:00, as an instant
        stored = datetime.fromisoformat(session["scheduled_start"])
        assert stored == datetime.fromisoformat(nine.replace("Z", "+00:00"))

        row = page.get_by_role("row").filter(has_text="BIO101 Biology")
        await expect(row).to_contain_text("Scheduled")
        board = row.get_by_role("link", name="Board of BIO101")
        await expect(board).to_have_attribute("href", f"/board?session={session['id']}")
        await row.get_by_role("button", name="Start BIO101").click()
        await expect(row).to_contain_text("Open", timeout=WAIT_MS)
        # the row was drawn afresh: the keyboard is on the session's next step
        await expect(row.get_by_role("button", name="Stop BIO101")).to_be_focused()

        stale = await _sessions_page(browser, service, admin)
        await stale.get_by_label("Day").first.fill(tomorrow)
        stale_row = stale.get_by_role("row").filter(has_text="BIO101 Biology")
        await expect(stale_row).to_contain_text("Open", timeout=WAIT_MS)

        await row.get_by_role("button", name="Stop BIO101").click()
        await expect(row).to_contain_text("Closed", timeout=WAIT_MS)
        await expect(board).to_be_focused()
        stored = await admin_api.call("GET", f"/api/sessions/{session['id']}")
        assert stored["status"] == "closed"

        await stale_row.get_by_role("button", name="Cancel BIO101").click()
        await stale.get_by_role("dialog").get_by_role("button", name="Cancel session").click()
        refusal = stale.locator("#sessions-feedback").get_by_role("alert")
        await expect(refusal).to_contain_text(
            "a closed session cannot become cancelled", timeout=WAIT_MS
        )
        await expect(stale_row).to_contain_text("Closed")
        await expect(stale_row.get_by_role("button")).to_have_count(0)
        await stale.screenshot(path=artefacts / "admin-sessions.png", full_page=True)
        await stale.set_viewport_size({"width": 390, "height": 844})
        await stale.screenshot(path=artefacts / "admin-sessions-phone.png", full_page=True)


async def test_a_weekly_timetable_schedules_each_lesson_and_an_unknown_zone_is_refused(
    service: RunningService, admin: SignedIn, admin_api: ApiClient
) -> None:
    await _class(admin_api)
    async with chromium() as browser:
        page = await _sessions_page(browser, service, admin)
        first = date.fromisoformat(await _local_day(page, 1))
        last = first + timedelta(days=20)
        form = page.locator("#timetable")
        await form.get_by_label("Course").select_option(label="BIO101 Biology")
        await form.get_by_label("Room").select_option(label="Lab")
        await form.get_by_label("Monday").check()
        await form.get_by_label("Wednesday").check()
        await form.get_by_label("Lesson starts").fill("10:00")
        await form.get_by_label("Lesson ends").fill("10:45")
        await form.get_by_label("First day").fill(first.isoformat())
        await form.get_by_label("Last day").fill(last.isoformat())
        await form.get_by_label("School time zone").fill("Mars/Olympus_Mons")
        await form.get_by_role("button", name="Schedule the timetable").click()
        await expect(form.get_by_role("alert")).to_contain_text("unknown time zone")
        assert (await admin_api.call("GET", "/api/sessions"))["items"] == []

        await form.get_by_label("School time zone").fill("Europe/Berlin")
        await form.get_by_role("button", name="Schedule the timetable").click()
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        lessons = [day for day in days if day.weekday() in (0, 2)]
        await expect(form.get_by_role("status")).to_contain_text(
            f"{len(lessons)} sessions scheduled", timeout=WAIT_MS
        )
        stored = (await admin_api.call("GET", "/api/sessions?limit=100"))["items"]
        assert len(stored) == len(lessons)
        # the list turned to the first lesson's day
        await expect(page.get_by_role("row").filter(has_text="BIO101 Biology")).to_have_count(1)
