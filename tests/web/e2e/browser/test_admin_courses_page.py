"""The courses page in a real browser: a course added on the page opens its roster; a roster
CSV with a broken row is refused whole, each broken row listed and the roster left unchanged;
a good CSV then imports; people found by search are added to and taken off the roster. A
OneRoster zip is refused or imported the same way, and its classes say where they came from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import expect

from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import ApiClient
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService
from web.evaluation.oneroster_sample import sample_roster

STUDENTS = {"S-2001": "Ada Lovelace", "S-2002": "Alan Turing", "S-2003": "Edsger Dijkstra"}


async def roster_numbers(admin_api: ApiClient, course_id: str) -> set[str]:
    roster = await admin_api.call("GET", f"/api/courses/{course_id}/roster")
    return {person["external_id"] for person in roster["items"]}


async def test_a_roster_csv_with_a_broken_row_changes_nothing_and_a_good_one_imports(
    service: RunningService,
    admin: SignedIn,
    admin_api: ApiClient,
    tmp_path: Path,
    artefacts: Path,
) -> None:
    for external_id, name in STUDENTS.items():
        await admin_api.call(
            "POST",
            "/api/people",
            json={"external_id": external_id, "display_name": name},
            expect=201,
        )
    broken = tmp_path / "broken.csv"
    broken.write_text("external_id,name\nS-2001,Ada Lovelace\nS-9999,Nobody Known\n")
    good = tmp_path / "good.csv"
    good.write_text("external_id,name\nS-2001,Ada Lovelace\nS-2002,Alan Turing\n")

    async with chromium() as browser:
        await sign_in_browser(browser, service.url, admin.user.username, admin.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/admin/courses")
        await expect(page.get_by_text("No courses yet")).to_be_visible()
        await page.get_by_label("Code").fill("CS-101")
        await page.get_by_label("Name", exact=True).fill("Computing")
        await page.get_by_role("button", name="Add course").click()
        title = page.get_by_role("heading", name="Roster of CS-101: Computing")
        await expect(title).to_be_focused()
        (course,) = (await admin_api.call("GET", "/api/courses"))["items"]
        assert course["code"] == "CS-101"

        await page.get_by_label("Roster CSV file").set_input_files(broken)
        await page.get_by_role("button", name="Import roster").click()
        refusal = page.get_by_role("alert")
        await expect(refusal).to_contain_text("The roster was not changed.")
        await expect(refusal).to_contain_text("1 row(s) cannot be imported; nothing was added")
        await expect(refusal.get_by_role("listitem")).to_have_text(
            ["Line 3: no person has the external id 'S-9999'"]
        )
        assert await roster_numbers(admin_api, course["id"]) == set()

        await page.get_by_label("Roster CSV file").set_input_files(good)
        await page.get_by_role("button", name="Import roster").click()
        await expect(
            page.get_by_text("Imported 2 row(s): 2 added, 0 already on the roster.")
        ).to_be_visible()
        await expect(page.get_by_text("2 people on the roster.")).to_be_visible()
        assert await roster_numbers(admin_api, course["id"]) == {"S-2001", "S-2002"}

        await page.get_by_label("Find a person to add").fill("Dijkstra")
        await page.get_by_role("button", name="Find", exact=True).click()
        await page.get_by_role("button", name="Add Edsger Dijkstra").click()
        await expect(page.get_by_text("3 people on the roster.")).to_be_visible()
        assert await roster_numbers(admin_api, course["id"]) == {"S-2001", "S-2002", "S-2003"}

        await page.get_by_role("button", name="Remove Alan Turing").click()
        await expect(page.get_by_text("Alan Turing was taken off the roster.")).to_be_visible()
        await expect(page.get_by_role("button", name="Remove Alan Turing")).to_have_count(0)
        assert await roster_numbers(admin_api, course["id"]) == {"S-2001", "S-2003"}
        await page.screenshot(path=artefacts / "admin-courses.png", full_page=True)


async def test_a_oneroster_zip_with_a_broken_row_changes_nothing_and_a_good_one_imports(
    service: RunningService,
    admin: SignedIn,
    admin_api: ApiClient,
    tmp_path: Path,
    artefacts: Path,
) -> None:
    roster = sample_roster(students=12, classes=2, enrollments=20, teachers=1)
    good = tmp_path / "bundle.zip"
    good.write_bytes(roster.zip_bytes())
    roster.rows["enrollments.csv"][4]["userSourcedId"] = "stu-nobody"
    broken = tmp_path / "broken.zip"
    broken.write_bytes(roster.zip_bytes())

    async with chromium() as browser:
        await sign_in_browser(browser, service.url, admin.user.username, admin.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/admin/courses")
        await expect(page.get_by_text("No courses yet")).to_be_visible()

        await page.get_by_label("OneRoster zip file").set_input_files(broken)
        await page.get_by_role("button", name="Import bundle").click()
        refusal = page.get_by_role("alert")
        await expect(refusal).to_contain_text("Nothing was changed.")
        await expect(refusal.get_by_role("listitem")).to_have_text(
            ["enrollments.csv, line 6: userSourcedId 'stu-nobody' names no row of users.csv"]
        )
        assert (await admin_api.call("GET", "/api/courses"))["items"] == []

        await page.get_by_label("OneRoster zip file").set_input_files(good)
        await page.get_by_role("button", name="Import bundle").click()
        changed = page.get_by_role("table", name="What the import changed")
        await expect(changed.get_by_role("row", name="Students")).to_contain_text("12")
        await expect(page.get_by_text("New teachers have no password yet")).to_be_visible()
        await page.get_by_role("button", name="Open roster CL-0000").click()
        await expect(page.get_by_text("OneRoster class cls-0000")).to_be_visible()
        await expect(page.get_by_text("Taught by")).to_contain_text("Taught by")
        await page.screenshot(path=artefacts / "admin-courses-oneroster.png", full_page=True)

        course = next(
            c
            for c in (await admin_api.call("GET", "/api/courses"))["items"]
            if c["code"] == "CL-0000"
        )
        room = await admin_api.call("POST", "/api/rooms", json={"name": "B-1"}, expect=201)
        start = datetime.now(UTC).replace(microsecond=0)
        session = await admin_api.call(
            "POST",
            "/api/sessions",
            json={
                "course_id": course["id"],
                "room_id": room["id"],
                "scheduled_start": start.isoformat(),
                "scheduled_end": (start + timedelta(hours=1)).isoformat(),
            },
            expect=201,
        )
        await page.get_by_label("First day").fill((start - timedelta(days=1)).date().isoformat())
        await page.get_by_label("Last day").fill((start + timedelta(days=1)).date().isoformat())
        async with page.expect_download() as downloading:
            await page.get_by_role("button", name="Download CSV").click()
        saved = tmp_path / "export.csv"
        await (await downloading.value).save_as(saved)
        lines = saved.read_text().splitlines()
        assert lines[0].startswith("classSourcedId,userSourcedId,sessionId")
        on_roster = len(await roster_numbers(admin_api, course["id"]))
        assert len(lines) == 1 + on_roster and all(session["id"] in line for line in lines[1:])
