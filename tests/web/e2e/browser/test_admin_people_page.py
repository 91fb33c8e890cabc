"""The people page in a real browser: photos with one face enrol and the page says so; a photo
the service refuses is named with its reason and nothing is enrolled; a person added on the
page is found by search and erased after a confirm step, gone from search and from the API."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import CONSENTED, ApiClient
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.service import RunningService

PORTRAIT = "face_recognition/Barack_Obama/Barack_Obama_3.jpg"
GROUP = "face_recognition/groups/two_people.jpg"
WAIT_MS = 60_000  # enrolment runs the models on a loaded 2-core machine


async def open_person(page: Page, query: str, name: str) -> None:
    await page.get_by_label("Name or student number").fill(query)
    await page.get_by_role("button", name="Search", exact=True).click()
    await page.get_by_role("button", name=f"Open {name}").click()
    await expect(page.get_by_role("heading", name=name, level=2)).to_be_focused()


async def test_a_photo_of_one_face_enrols_and_a_group_photo_is_refused_saying_why(
    service: RunningService, admin: SignedIn, admin_api: ApiClient, faces_dir: Path
) -> None:
    person = await admin_api.call(
        "POST",
        "/api/people",
        json={"external_id": "S-4401", "display_name": "Barack Obama", "consent_at": CONSENTED},
        expect=201,
    )
    async with chromium() as browser:
        await sign_in_browser(browser, service.url, admin.user.username, admin.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/admin/people")
        await open_person(page, "S-4401", "Barack Obama")

        await page.get_by_label("Photos to enrol").set_input_files(faces_dir / GROUP)
        await page.get_by_role("button", name="Enrol photos").click()
        refusal = page.get_by_role("alert")
        await expect(refusal).to_contain_text("nothing was enrolled", timeout=WAIT_MS)
        await expect(refusal).to_contain_text("Photo 1, two_people.jpg: several faces")
        refused = await admin_api.call("GET", f"/api/people/{person['id']}")
        assert refused["template_count"] == 0

        await page.get_by_label("Photos to enrol").set_input_files(faces_dir / PORTRAIT)
        await page.get_by_role("button", name="Enrol photos").click()
        await expect(page.get_by_role("status").filter(has_text="template")).to_have_text(
            "1 face template added. Barack Obama now has 1.", timeout=WAIT_MS
        )
        await expect(page.get_by_role("alert")).to_have_count(0)
        enrolled = await admin_api.call("GET", f"/api/people/{person['id']}")
        assert enrolled["template_count"] == 1


async def test_a_person_added_on_the_page_is_found_by_search_and_erased_everywhere(
    service: RunningService, admin: SignedIn, admin_api: ApiClient, artefacts: Path
) -> None:
    async with chromium(viewport=(390, 844)) as browser:
        await sign_in_browser(browser, service.url, admin.user.username, admin.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/admin/people")
        await page.get_by_label("Display name", exact=True).fill("Grace Hopper")
        await page.get_by_label("Student number", exact=True).fill("S-1906")
        await page.get_by_label("Consented to face recognition").check()
        await page.get_by_role("button", name="Add person").click()
        await expect(page.get_by_role("heading", name="Grace Hopper", level=2)).to_be_focused()

        await page.goto(f"{service.url}/admin/people")
        await open_person(page, "hopper", "Grace Hopper")
        await page.screenshot(path=artefacts / "admin-people-phone.png", full_page=True)
        found = await admin_api.call("GET", "/api/people?q=S-1906")
        (person,) = found["items"]
        assert person["consent_at"] is not None

        erase = page.get_by_role("button", name="Erase person")
        await erase.click()
        dialog = page.get_by_role("dialog", name="Erase Grace Hopper?")
        await expect(dialog).to_contain_text("deleted and every camera stops recognising them")
        await dialog.get_by_role("button", name="Cancel").click()
        await expect(dialog).to_have_count(0)
        await expect(erase).to_be_focused()
        await admin_api.call("GET", f"/api/people/{person['id']}")  # still there

        await erase.click()
        await dialog.get_by_role("button", name="Erase for good").click()
        await expect(page.get_by_role("status").first).to_have_text(
            "Grace Hopper was erased: 0 face templates removed everywhere."
        )
        await expect(page.get_by_label("Name or student number")).to_be_focused()
        await expect(page.get_by_text("Nobody matches.")).to_be_visible()
        await admin_api.call("GET", f"/api/people/{person['id']}", expect=404)
        assert (await admin_api.call("GET", "/api/people?q=S-1906"))["items"] == []


async def test_a_people_csv_with_a_refused_photo_imports_nobody_and_names_the_row(
    service: RunningService, admin: SignedIn, admin_api: ApiClient, faces_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "external_id,display_name,photo,consent_at\n"
        "S-3001,Barack Obama,Barack_Obama_3.jpg,2026-09-01\n"
        "S-3002,Two People,two_people.jpg,2026-09-01\n"
    )
    good = tmp_path / "good.csv"
    good.write_text(
        "external_id,display_name,photo,consent_at\n"
        "S-3001,Barack Obama,Barack_Obama_3.jpg,2026-09-01\n"
    )
    photos = [faces_dir / PORTRAIT, faces_dir / GROUP]
    async with chromium() as browser:
        await sign_in_browser(browser, service.url, admin.user.username, admin.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/admin/people")

        await page.get_by_label("CSV file").set_input_files(broken)
        await page.get_by_label("Photos the CSV names").set_input_files(photos)
        await page.get_by_role("button", name="Import people").click()
        refusal = page.get_by_role("alert")
        await expect(refusal).to_contain_text("nothing was written", timeout=WAIT_MS)
        await expect(refusal.get_by_role("listitem")).to_have_count(1)
        await expect(refusal.get_by_role("listitem")).to_contain_text(
            "S-3002, two_people.jpg: several faces"
        )
        assert (await admin_api.call("GET", "/api/people?q=S-300"))["items"] == []

        await page.get_by_label("CSV file").set_input_files(good)
        await page.get_by_label("Photos the CSV names").set_input_files(photos[:1])
        await page.get_by_role("button", name="Import people").click()
        await expect(page.get_by_role("status").filter(has_text="imported")).to_have_text(
            "1 person imported with 1 face template.", timeout=WAIT_MS
        )
        (person,) = (await admin_api.call("GET", "/api/people?q=S-3001"))["items"]
        assert (await admin_api.call("GET", f"/api/people/{person['id']}"))["template_count"] == 1


async def test_turning_a_page_of_search_results_keeps_the_keyboard_on_the_pager(
    service: RunningService, admin: SignedIn, admin_api: ApiClient
) -> None:
    for number in range(21):  # one more than a page holds
        await admin_api.call(
            "POST",
            "/api/people",
            json={"external_id": f"PG-{number:02}", "display_name": f"Pager Person {number:02}"},
            expect=201,
        )
    async with chromium() as browser:
        await sign_in_browser(browser, service.url, admin.user.username, admin.password)
        page = await browser.new_page()
        await page.goto(f"{service.url}/admin/people")
        await page.get_by_label("Name or student number").fill("Pager Person")
        await page.get_by_label("Name or student number").press("Enter")
        shown = page.get_by_role("status").filter(has_text="Showing people")
        await expect(shown).to_have_text("Showing people 1 to 20.")

        await page.get_by_role("button", name="Next page").focus()
        await page.keyboard.press("Enter")
        await expect(shown).to_have_text("Showing people 21 to 21.")
        # the last page has no next one: focus waits on the way back, not on the page's body
        await expect(page.get_by_role("button", name="Previous page")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(shown).to_have_text("Showing people 1 to 20.")
        await expect(page.get_by_role("button", name="Next page")).to_be_focused()
