"""A class of 40 on the board, as a teacher meets it: every card on one projector screen at
1920x1080 with the missing first, the counts in one line that also filter, the override
showing the current status, the phone showing students on its first screen with the menu
folded, and, before any session is chosen, today's sessions offered.

People, course and session are made through the API; what the cameras would have written
(present and late sightings at given times) is written to the store as the presence engine
writes it, and a few students are marked by a teacher's override. Screenshots go to the test
artefacts folder."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import aiohttp
import pytest
from playwright.async_api import BrowserContext, Locator, Page, Response, expect

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import ApiClient
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.classroom import open_session
from tests.web.e2e.service import RunningService
from web.settings import Settings

WAIT_MS = 30_000  # a loaded 2-core machine runs the service, the browser and the tests
FIRST = ("Amara", "Ben", "Chloe", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ines", "Jonah")
LAST = ("Okafor", "Lindqvist", "Martin", "Nakamura")
NAMES = tuple(f"{first} {last}" for last in LAST for first in FIRST)  # 40 of them
# what the cameras and the teacher made of them before the board opens
PRESENT = NAMES[:22]
LATE = NAMES[22:26]
ABSENT = NAMES[26:28]
EXCUSED = NAMES[28:29]
UNSEEN = NAMES[29:]
ORDER = ("unseen", "absent", "late", "present", "excused")  # the missing first


@dataclass(frozen=True)
class Class40:
    session_id: str
    person_ids: dict[str, str]  # name -> person id


async def class_of_40(admin: ApiClient, db: Database, teacher: SignedIn) -> Class40:
    person_ids = {}
    for number, name in enumerate(NAMES, start=1):
        person = await admin.call(
            "POST",
            "/api/people",
            json={"external_id": f"S-{number:03d}", "display_name": name},
            expect=201,
        )
        person_ids[name] = person["id"]
    opened = await open_session(
        admin,
        admin,
        list(person_ids.values()),
        course=("MAT-201", "Mathematics"),
        room="Room 4",
        started_ago=timedelta(minutes=20),
    )
    session_id = UUID(opened.session_id)
    now = datetime.now(UTC)
    arrivals, latest = [], []
    for index, name in enumerate(PRESENT + LATE):
        status = AttendanceStatus.LATE if name in LATE else AttendanceStatus.PRESENT
        arrived = (4 if name in LATE else 18) - index % 3  # minutes ago
        last = index % (3 if name in LATE else 5)
        for batch, minutes in ((arrivals, arrived), (latest, last)):
            batch.append(
                Sighting(
                    session_id,
                    UUID(person_ids[name]),
                    status,
                    seen_at=now - timedelta(minutes=minutes),
                    score=0.8,
                )
            )
    # one person's sightings in separate writes, as the engine makes them
    await db.attendance.record_many(arrivals)
    await db.attendance.record_many(latest)
    for names, status in ((ABSENT, "absent"), (EXCUSED, "excused")):
        for name in names:
            await db.attendance.set_status(
                session_id,
                UUID(person_ids[name]),
                AttendanceStatus(status),
                actor=teacher.user.username,
            )
    return Class40(opened.session_id, person_ids)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An admin enrols a class's photos one after another: more than the default burst."""
    service = settings.service.model_copy(update={"upload_burst": 100})
    return settings.model_copy(update={"service": service})


def lfw_portraits(faces_dir: Path) -> list[Path]:
    """One LFW photo per person, in a stable order: a school's worth of enrolment photos."""
    first_of: dict[str, Path] = {}
    with (faces_dir / "labels.csv").open(newline="") as labels:
        for row in csv.DictReader(labels):
            if row["path"].startswith("lfw/"):
                first_of.setdefault(row["identity"], faces_dir / row["path"])
    return [first_of[identity] for identity in sorted(first_of)]


async def enrol_photos(admin: ApiClient, klass: Class40, faces_dir: Path) -> None:
    """Every student enrolled from a photo of a different person, as an admin uploads them
    (a photo the service refuses, say for two faces of a size, is passed over for the next)."""
    photos = iter(lfw_portraits(faces_dir))
    for person_id in klass.person_ids.values():
        while True:
            photo = next(photos)
            form = aiohttp.FormData()
            form.add_field("photo", photo.read_bytes(), filename=photo.name)
            async with admin.http.post(
                f"{admin.url}/api/people/{person_id}/photos", data=form, headers=admin.headers
            ) as response:
                if response.status == 201:
                    break
                assert response.status == 422, await response.text()


def cards_of(page: Page) -> Locator:
    return page.get_by_role("list", name="Students").get_by_role("listitem")


def count(page: Page, label: str) -> Locator:
    return page.get_by_role("list", name="Counts").get_by_role("button").filter(has_text=label)


async def open_board(browser: BrowserContext, url: str, klass: Class40) -> Page:
    page = await browser.new_page()
    await page.goto(f"{url}/board?session={klass.session_id}")
    await expect(cards_of(page)).to_have_count(len(NAMES), timeout=WAIT_MS)
    await expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible(timeout=WAIT_MS)
    return page


async def statuses_in_order(page: Page) -> list[str]:
    return await page.eval_on_selector_all(
        "#roster > li", "cards => cards.map(c => c.className.replace('card card-', ''))"
    )


async def boxes(locator: Locator) -> list[dict[str, float]]:
    found = [await item.bounding_box() for item in await locator.all()]
    assert all(box is not None for box in found)
    return [box for box in found if box is not None]


async def test_forty_students_fit_one_projector_screen_with_the_missing_first(
    service: RunningService,
    admin_api: ApiClient,
    teacher: SignedIn,
    db: Database,
    artefacts: Path,
    faces_dir: Path,
) -> None:
    klass = await class_of_40(admin_api, db, teacher)
    await enrol_photos(admin_api, klass, faces_dir)
    async with chromium(viewport=(1920, 1080)) as browser:
        await sign_in_browser(browser, service.url, teacher.user.username, teacher.password)
        page = await open_board(browser, service.url, klass)
        # each card shows the student's face from their enrolment photo
        portraits = cards_of(page).locator("img.avatar-photo")
        await expect(portraits).to_have_count(len(NAMES), timeout=WAIT_MS)
        await page.wait_for_function(
            "() => [...document.querySelectorAll('img.avatar-photo')]"
            ".every(img => img.complete && img.naturalWidth > 0)",
            timeout=WAIT_MS,
        )
        statuses = await statuses_in_order(page)
        assert statuses == sorted(statuses, key=ORDER.index), statuses
        first = cards_of(page).first
        await expect(first).to_contain_text(sorted(UNSEEN)[0])
        await expect(count(page, "Not yet seen")).to_contain_text(str(len(UNSEEN)))
        await expect(count(page, "Present")).to_contain_text(str(len(PRESENT)))
        await expect(count(page, "Late")).to_contain_text(str(len(LATE)))
        await expect(cards_of(page).filter(has_text="last seen").first).to_be_visible()

        # every card in the viewport, nothing to scroll
        for box in await boxes(cards_of(page)):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1920, box
            assert box["y"] >= 0 and box["y"] + box["height"] <= 1080, box
        assert await page.evaluate("document.documentElement.scrollHeight") <= 1080
        counts = await boxes(page.get_by_role("list", name="Counts").get_by_role("listitem"))
        assert len({round(box["y"]) for box in counts}) == 1, f"counts on several lines: {counts}"
        await page.screenshot(path=artefacts / "board-40-1920x1080.png")

        await page.set_viewport_size({"width": 1280, "height": 800})
        counts = await boxes(page.get_by_role("list", name="Counts").get_by_role("listitem"))
        assert len({round(box["y"]) for box in counts}) == 1, f"counts on several lines: {counts}"
        # the first screen is the students', not the controls'
        top = await first.bounding_box()
        assert top is not None and top["y"] < 200, top
        visible = [box for box in await boxes(cards_of(page)) if box["y"] + box["height"] <= 800]
        assert len(visible) >= 18, f"only {len(visible)} cards on a 1280x800 screen"
        await page.screenshot(path=artefacts / "board-40-1280x800.png")


async def test_the_override_shows_the_current_status_and_a_marked_student_moves_to_their_group(
    service: RunningService,
    admin_api: ApiClient,
    teacher: SignedIn,
    db: Database,
) -> None:
    klass = await class_of_40(admin_api, db, teacher)
    async with chromium() as browser:
        await sign_in_browser(browser, service.url, teacher.user.username, teacher.password)
        page = await open_board(browser, service.url, klass)
        present = page.get_by_role("listitem", name=PRESENT[0])
        pressed = present.get_by_role("button", name=f"Mark {PRESENT[0]} present")
        await expect(pressed).to_have_attribute("aria-pressed", "true")
        for other in ("excused", "absent"):
            button = present.get_by_role("button", name=f"Mark {PRESENT[0]} {other}")
            await expect(button).to_have_attribute("aria-pressed", "false")
        # the status is said once on the card: the override's buttons are icons with names
        assert (await present.inner_text()).count("Present") == 1
        unseen = page.get_by_role("listitem", name=UNSEEN[0])
        await expect(unseen.get_by_role("button", pressed=True)).to_have_count(0)

        mark = unseen.get_by_role("button", name=f"Mark {UNSEEN[0]} present")
        await mark.focus()
        await page.keyboard.press("Enter")
        await expect(unseen).to_contain_text("Present", timeout=WAIT_MS)
        await expect(mark).to_have_attribute("aria-pressed", "true")
        await expect(mark).to_be_focused()  # the card moved; the teacher's focus went with it
        statuses = await statuses_in_order(page)
        assert statuses == sorted(statuses, key=ORDER.index), statuses
        names = await cards_of(page).get_by_role("heading").all_inner_texts()
        assert names.index(UNSEEN[0]) > names.index(sorted(LATE)[-1])
        await expect(count(page, "Not yet seen")).to_contain_text(str(len(UNSEEN) - 1))

        # a count is a filter: only the students it counts, until All is chosen again
        await count(page, "Not yet seen").click()
        await expect(count(page, "Not yet seen")).to_have_attribute("aria-pressed", "true")
        await expect(cards_of(page).filter(visible=True)).to_have_count(len(UNSEEN) - 1)
        await expect(page.get_by_role("listitem", name=UNSEEN[0])).to_be_hidden()
        await count(page, "Excused").click()
        await expect(cards_of(page).filter(visible=True)).to_have_count(len(EXCUSED))
        await expect(count(page, "Not yet seen")).to_have_attribute("aria-pressed", "false")
        await count(page, "All").click()
        await expect(cards_of(page).filter(visible=True)).to_have_count(len(NAMES))


async def test_on_a_phone_the_menu_folds_and_students_fill_the_first_screen(
    service: RunningService,
    admin_api: ApiClient,
    teacher: SignedIn,
    db: Database,
    artefacts: Path,
) -> None:
    klass = await class_of_40(admin_api, db, teacher)
    async with chromium(viewport=(390, 844)) as browser:
        await sign_in_browser(browser, service.url, teacher.user.username, teacher.password)
        page = await open_board(browser, service.url, klass)
        menu = page.get_by_role("button", name="Menu")
        await expect(menu).to_have_attribute("aria-expanded", "false")
        await expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        on_screen = [b for b in await boxes(cards_of(page)) if b["y"] + b["height"] <= 844]
        assert len(on_screen) >= 5, f"{len(on_screen)} students on a phone's first screen"
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await page.screenshot(path=artefacts / "board-40-phone.png")

        await menu.click()
        await expect(menu).to_have_attribute("aria-expanded", "true")
        navigation = page.get_by_role("navigation", name="Main")
        await expect(navigation.get_by_role("link", name="Board")).to_be_visible()
        await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        await page.screenshot(path=artefacts / "board-phone-menu.png")
        await page.keyboard.press("Escape")
        await expect(navigation).to_be_hidden()
        await expect(menu).to_be_focused()


async def test_with_no_session_chosen_today_s_sessions_are_offered_and_one_click_opens_one(
    service: RunningService,
    admin_api: ApiClient,
    teacher: SignedIn,
    db: Database,
    artefacts: Path,
) -> None:
    klass = await class_of_40(admin_api, db, teacher)
    async with chromium() as browser:
        await sign_in_browser(browser, service.url, teacher.user.username, teacher.password)
        page = await browser.new_page()
        missing: list[str] = []

        def heard(response: Response) -> None:
            if response.status == 404:
                missing.append(response.url)

        page.on("response", heard)
        await page.goto(f"{service.url}/board")
        today = page.get_by_role("region", name="Today’s sessions")
        offered = today.get_by_role("link").filter(has_text="Mathematics (MAT-201)")
        await expect(offered).to_contain_text("Open now", timeout=WAIT_MS)
        await expect(page.get_by_text("Not connected")).to_have_count(0)
        await page.screenshot(path=artefacts / "board-today.png")

        await offered.click()
        await expect(cards_of(page)).to_have_count(len(NAMES), timeout=WAIT_MS)
        assert page.url == f"{service.url}/board?session={klass.session_id}"
        await expect(page.get_by_label("Class session")).to_have_value(klass.session_id)
        await expect(today).to_be_hidden()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Mathematics (MAT-201)")
        assert missing == [], f"answered 404: {missing}"
