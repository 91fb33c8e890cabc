"""The live board in a real browser against the real service: a teacher signs in, picks the
class session, watches the roster change live, marks a student by keyboard, exports the
sheet, keeps the board across a service restart, and reads it on a phone.

The class here has no camera and nobody enrolled from photos: the board's subject is what the
service tells it, and attendance changes come from teachers' overrides (the camera-to-board
path is covered by tests/web/e2e/test_live_attendance.py)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from playwright.async_api import BrowserContext, Locator, Page, expect

from store.attendance import AttendanceStatus
from store.database import Database
from tests.web.conftest import SignedIn
from tests.web.e2e.api_client import ApiClient, signed_in
from tests.web.e2e.browser.chromium import chromium
from tests.web.e2e.browser.signing_in import sign_in_browser
from tests.web.e2e.classroom import open_session
from tests.web.e2e.service import RunningService, free_port, serving
from web.settings import Settings

WAIT_MS = 30_000  # a loaded 2-core machine runs the service, the browser and the tests
RECONNECT_WAIT_MS = 60_000  # the board's pauses between tries grow to 10 s
# created in this order; the board lists them by name
STUDENTS = (
    ("S-001", "Chloe Martin"),
    ("S-002", "Amir Haddad"),
    ("S-003", "Dana Scully"),
    ("S-004", "Ben Okafor"),
)
BY_NAME = sorted(name for _, name in STUDENTS)


@dataclass(frozen=True)
class Lesson:
    session_id: str
    room_id: str
    person_ids: dict[str, str]  # display name -> person id


async def open_lesson(admin: ApiClient) -> Lesson:
    """A course of four students in a room, its session open now (no camera: none needed)."""
    person_ids = {}
    for external_id, name in STUDENTS:
        person = await admin.call(
            "POST",
            "/api/people",
            json={"external_id": external_id, "display_name": name},
            expect=201,
        )
        person_ids[name] = person["id"]
    opened = await open_session(
        admin,
        admin,
        list(person_ids.values()),
        course=("HIS-101", "History"),
        room="Room 12",
        started_ago=timedelta(minutes=5),
    )
    return Lesson(opened.session_id, opened.room_id, person_ids)


async def override(admin: ApiClient, lesson: Lesson, name: str, status: str) -> None:
    await admin.call(
        "PUT",
        f"/api/sessions/{lesson.session_id}/attendance/{lesson.person_ids[name]}",
        json={"status": status},
    )


async def open_board(browser: BrowserContext, url: str, lesson: Lesson) -> Page:
    page = await browser.new_page()
    await page.goto(f"{url}/board?session={lesson.session_id}")
    await expect(cards_of(page)).to_have_count(len(STUDENTS), timeout=WAIT_MS)
    return page


def cards_of(page: Page) -> Locator:
    return page.get_by_role("list", name="Students").get_by_role("listitem")


def card(page: Page, name: str) -> Locator:
    return page.get_by_role("listitem", name=name)


def count(page: Page, label: str) -> Locator:
    return page.get_by_role("list", name="Counts").get_by_role("listitem").filter(has_text=label)


def connection(page: Page) -> Locator:
    return (
        page.get_by_role("status")
        .filter(has_text="Live")
        .or_(page.get_by_role("status").filter(has_text="Reconnecting"))
    )


async def test_a_teacher_signs_in_picks_the_session_and_sees_an_override_made_elsewhere_live(
    service: RunningService, admin_api: ApiClient, teacher: SignedIn, artefacts: Path
) -> None:
    lesson = await open_lesson(admin_api)
    # a browser camera waits for its page to send an offer: the room's camera is connecting
    await admin_api.call(
        "POST",
        "/api/cameras",
        json={"name": "Front camera", "room_id": lesson.room_id, "kind": "webrtc"},
        expect=201,
    )
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(f"{service.url}/board")
        assert page.url == f"{service.url}/sign-in?next=/board"
        await page.get_by_label("Username").fill(teacher.user.username)
        await page.get_by_label("Password").fill(teacher.password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{service.url}/board", timeout=WAIT_MS)

        picker = page.get_by_label("Class session")
        today = picker.locator("optgroup[label='Today'] option")
        await expect(today).to_have_count(1, timeout=WAIT_MS)
        assert "History (HIS-101)" in await today.inner_text()
        assert "open now" in await today.inner_text()
        await picker.select_option(lesson.session_id)
        await page.wait_for_url(f"{service.url}/board?session={lesson.session_id}")

        cards = cards_of(page)
        await expect(cards).to_have_count(len(STUDENTS), timeout=WAIT_MS)
        assert await cards.get_by_role("heading").all_inner_texts() == BY_NAME
        for _, name in STUDENTS:
            await expect(card(page, name)).to_contain_text("Not yet seen")
            # nobody here consented to face recognition: the cameras cannot mark them
            await expect(card(page, name)).to_contain_text(
                "manual marking only: no consent to face recognition recorded"
            )
        await expect(page.get_by_text("Recognition is off for this course")).to_be_hidden()
        await expect(count(page, "Not yet seen")).to_contain_text("4")
        await expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
        await expect(page.get_by_text("Session open")).to_be_visible()
        cameras = page.get_by_role("region", name="Cameras in the room")
        await expect(cameras).to_contain_text("Front camera", timeout=WAIT_MS)
        await expect(cameras).to_contain_text("connecting")
        # on a laptop or projector the cards fill the width: several to a row
        first, second = [await c.bounding_box() for c in (await cards.all())[:2]]
        assert first is not None and second is not None
        assert first["y"] == second["y"] and second["x"] > first["x"]

        await override(admin_api, lesson, "Ben Okafor", "present")
        ben = card(page, "Ben Okafor")
        await expect(ben).to_contain_text("Present", timeout=WAIT_MS)
        await expect(ben).to_contain_text("set by teacher")
        await expect(count(page, "Present")).to_contain_text("1")
        await expect(count(page, "Not yet seen")).to_contain_text("3")
        await page.screenshot(path=artefacts / "board.png", full_page=True)


async def test_a_student_excused_from_the_board_by_keyboard_is_excused_in_the_sheet_and_csv(
    service: RunningService, admin_api: ApiClient, teacher: SignedIn, tmp_path: Path
) -> None:
    lesson = await open_lesson(admin_api)
    async with chromium() as browser:
        await sign_in_browser(browser, service.url, teacher.user.username, teacher.password)
        page = await open_board(browser, service.url, lesson)
        await expect(page.get_by_label("Class session")).to_have_value(lesson.session_id)

        chloe = card(page, "Chloe Martin")
        await chloe.get_by_role("button", name="Mark Chloe Martin excused").focus()
        await page.keyboard.press("Enter")
        await expect(page.get_by_text("Chloe Martin: Excused, set by teacher")).to_be_visible(
            timeout=WAIT_MS
        )
        await expect(chloe).to_contain_text("Excused")
        await expect(chloe).to_contain_text("set by teacher")
        await expect(count(page, "Excused")).to_contain_text("1")

        sheet = await admin_api.call("GET", f"/api/sessions/{lesson.session_id}/attendance")
        line = next(i for i in sheet["items"] if i["display_name"] == "Chloe Martin")
        assert (line["status"], line["manual"]) == ("excused", True)

        async with page.expect_download(timeout=WAIT_MS) as started:
            await page.get_by_role("link", name="Export CSV").click()
        download = await started.value
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        with saved.open(newline="", encoding="utf-8") as file:
            rows = {row["display_name"]: row for row in csv.DictReader(file)}
        assert sorted(rows) == BY_NAME
        assert {rows[name]["external_id"] for name in rows} == {sid for sid, _ in STUDENTS}
        assert (rows["Chloe Martin"]["status"], rows["Chloe Martin"]["manual"]) == (
            "excused",
            "true",
        )
        assert {rows[name]["status"] for name in rows if name != "Chloe Martin"} == {"unseen"}


async def test_the_board_reconnects_after_a_service_restart_and_shows_the_same_state(
    settings: Settings, admin: SignedIn, teacher: SignedIn, db: Database
) -> None:
    port = free_port()
    async with chromium() as browser:
        async with serving(settings, port=port) as before:
            async with signed_in(before.url, admin.user.username, admin.password) as admin_api:
                lesson = await open_lesson(admin_api)
                await override(admin_api, lesson, "Amir Haddad", "present")
            await sign_in_browser(browser, before.url, teacher.user.username, teacher.password)
            page = await open_board(browser, before.url, lesson)
            await expect(card(page, "Amir Haddad")).to_contain_text("Present", timeout=WAIT_MS)
            await expect(connection(page)).to_have_text("Live", timeout=WAIT_MS)
            await page.evaluate("window.loadedBeforeTheRestart = true")

        await expect(connection(page)).to_contain_text("Reconnecting", timeout=WAIT_MS)
        # decided while no service runs: only the snapshot after the restart can tell the board
        await db.attendance.set_status(
            UUID(lesson.session_id),
            UUID(lesson.person_ids["Ben Okafor"]),
            AttendanceStatus.EXCUSED,
            actor=admin.user.username,
        )

        async with serving(settings, port=port) as after:
            assert after.url == before.url
            await expect(connection(page)).to_have_text("Live", timeout=RECONNECT_WAIT_MS)
            await expect(card(page, "Ben Okafor")).to_contain_text("Excused", timeout=WAIT_MS)
            await expect(card(page, "Amir Haddad")).to_contain_text("Present")
            assert await page.evaluate("window.loadedBeforeTheRestart === true")

            async with signed_in(after.url, admin.user.username, admin.password) as admin_api:
                await override(admin_api, lesson, "Dana Scully", "absent")
            await expect(card(page, "Dana Scully")).to_contain_text("Absent", timeout=WAIT_MS)
            await expect(count(page, "Not yet seen")).to_contain_text("1")
            await page.close()


async def test_on_a_phone_the_cards_stack_in_one_column_without_sideways_scrolling(
    service: RunningService, admin_api: ApiClient, teacher: SignedIn, artefacts: Path
) -> None:
    lesson = await open_lesson(admin_api)
    async with chromium(viewport=(390, 844)) as browser:
        await sign_in_browser(browser, service.url, teacher.user.username, teacher.password)
        page = await open_board(browser, service.url, lesson)
        boxes = [await c.bounding_box() for c in await cards_of(page).all()]
        assert all(box is not None for box in boxes)
        lefts = {round(box["x"]) for box in boxes if box}
        assert len(lefts) == 1, f"cards side by side on a phone: {boxes}"
        tops = [box["y"] for box in boxes if box]
        assert tops == sorted(tops) and len(set(tops)) == len(tops)
        assert all(box["x"] + box["width"] <= 390 for box in boxes if box)
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await page.screenshot(path=artefacts / "board-phone.png", full_page=True)
