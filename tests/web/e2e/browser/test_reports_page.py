"""The reports page in a real browser: a teacher picks a course and a span of days and reads
each student's counts, rate and bar (inline SVG drawn by the page, nothing loaded from
elsewhere), and downloads the same report as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import expect

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.sessions import SessionStatus
from tests.web.conftest import SignedIn
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService

WAIT_MS = 30_000


async def test_a_teacher_reads_a_course_s_report_with_a_bar_per_student_and_downloads_it(
    service: RunningService, db: Database, teacher: SignedIn, artefacts: Path, tmp_path: Path
) -> None:
    course = await db.courses.create(code="HIS-101", name="History")
    room = await db.rooms.create("Room 12")
    ada = await db.people.create(external_id="S-001", display_name="Ada Lovelace")
    bo = await db.people.create(external_id="S-002", display_name="Bo Diddley")
    await db.courses.enrol(course.id, [ada.id, bo.id])
    now = datetime.now(UTC)
    for days_ago, bo_status in (
        (3, AttendanceStatus.LATE),
        (2, None),
        (1, AttendanceStatus.EXCUSED),
    ):
        start = now - timedelta(days=days_ago)
        session = await db.sessions.create(
            course_id=course.id,
            room_id=room.id,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=1),
        )
        await db.attendance.record(
            Sighting(session.id, ada.id, AttendanceStatus.PRESENT, start, 0.7)
        )
        if bo_status is AttendanceStatus.LATE:
            await db.attendance.record(Sighting(session.id, bo.id, bo_status, start, 0.7))
        elif bo_status is not None:
            await db.attendance.set_status(session.id, bo.id, bo_status, actor="tom")
        await db.sessions.set_status(session.id, SessionStatus.CLOSED)  # Bo absent on day 2

    async with chromium(viewport=(1280, 800)) as browser:
        await sign_in_browser(browser, service.url, teacher.user.username, teacher.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/reports")
        await expect(page.get_by_role("link", name="Reports")).to_have_attribute(
            "aria-current", "page"
        )
        await page.get_by_label("Course", exact=True).select_option(label="History (HIS-101)")
        await page.get_by_role("button", name="Show report").click()

        heading = page.get_by_role("heading", level=2).filter(has_text="History (HIS-101)")
        await expect(heading).to_be_focused(timeout=WAIT_MS)
        await expect(page.get_by_text("3 sessions counted, 2 students")).to_be_visible()
        ada_row = page.get_by_role("row").filter(has_text="Ada Lovelace")
        await expect(ada_row).to_contain_text("100 %")
        bo_row = page.get_by_role("row").filter(has_text="Bo Diddley")
        await expect(bo_row).to_contain_text("33 %")
        bar = bo_row.get_by_role("img")
        await expect(bar).to_have_attribute(
            "aria-label",
            "Bo Diddley: 0 present, 1 late, 1 absent, 1 excused, 0 not yet marked",
        )
        # a third of the bar each for late, absent and excused, drawn by the page itself
        widths = await bar.evaluate(
            "svg => [...svg.querySelectorAll('rect[class^=bar-]:not(.bar-track)')]"
            ".map(r => [r.getAttribute('class'), Math.round(r.width.baseVal.value)])"
        )
        assert widths == [["bar-late", 53], ["bar-absent", 53], ["bar-excused", 53]]
        await page.screenshot(path=artefacts / "reports-1280x800.png", full_page=True)

        async with page.expect_download() as download_info:
            await page.get_by_role("link", name="Download CSV").click()
        saved = tmp_path / "report.csv"
        await (await download_info.value).save_as(saved)
        lines = saved.read_text().splitlines()
        assert lines[0].startswith("external_id,display_name,on_roster,sessions")
        assert "S-002,Bo Diddley,true,3,0,1,1,1,0,0.3333" in lines
