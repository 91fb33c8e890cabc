"""Rostering over the API: an admin uploads a OneRoster zip and gets what it changed, or every
broken row and nothing changed; importing it again changes nothing; attendance comes back out
keyed by the same sourcedIds."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp.test_utils import TestClient

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.passwords import hash_password
from store.sessions import SessionStatus
from store.users import Role
from tests.web.conftest import SignedIn
from web.domain.oneroster_export import EXPORT_COLUMNS
from web.evaluation.oneroster_sample import SampleRoster, sample_roster

IMPORT = "/api/imports/oneroster"
START = datetime(2025, 10, 6, 8, 0, tzinfo=UTC)


async def upload(api: TestClient, user: SignedIn, roster: SampleRoster) -> aiohttp.ClientResponse:
    return await api.post(
        IMPORT,
        data=roster.zip_bytes(),
        headers={**user.headers, "Content-Type": "application/zip"},
    )


async def test_an_admin_imports_a_bundle_and_the_same_bundle_again_changes_nothing(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    roster = sample_roster(students=30, classes=3, enrollments=60, teachers=2)

    first = await upload(api, admin, roster)

    assert first.status == 200, await first.text()
    summary = await first.json()
    assert {k: summary[k] for k in ("students_created", "teachers_created", "classes_created")} == {
        "students_created": 30,
        "teachers_created": 2,
        "classes_created": 3,
    }
    assert (summary["enrollments_added"], summary["teaching_added"]) == (60, 3)
    state = await db.oneroster.fingerprint()

    again = await (await upload(api, admin, roster)).json()

    changes = {
        k: v for k, v in again.items() if k not in ("rows", "skipped_users", "skipped_enrollments")
    }
    assert set(changes.values()) == {0}
    assert await db.oneroster.fingerprint() == state


async def test_the_zip_may_come_as_the_file_part_of_a_form(
    api: TestClient, admin: SignedIn
) -> None:
    form = aiohttp.FormData()
    form.add_field("file", sample_roster(3, 1, 3).zip_bytes(), filename="bundle.zip")

    response = await api.post(IMPORT, data=form, headers=admin.headers)

    assert response.status == 200, await response.text()
    assert (await response.json())["students_created"] == 3


async def test_only_an_admin_may_import(api: TestClient, teacher: SignedIn, db: Database) -> None:
    roster = sample_roster(3, 1, 3)

    assert (await upload(api, teacher, roster)).status == 403
    anonymous = await api.post(
        IMPORT, data=roster.zip_bytes(), headers={"Content-Type": "application/zip"}
    )
    assert anonymous.status == 401
    assert (await db.oneroster.fingerprint())["students"] == 0


async def test_a_broken_bundle_lists_every_broken_row_and_changes_nothing(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    roster = sample_roster(students=10, classes=2, enrollments=10, teachers=1)
    assert (await upload(api, admin, roster)).status == 200
    state = await db.oneroster.fingerprint()
    roster.user("stu-00000")["givenName"] = "Renamed"  # good changes, held back with the rest
    roster.user("tea-0000")["enabledUser"] = "false"
    roster.rows["enrollments.csv"][3]["classSourcedId"] = "cls-missing"
    roster.rows["enrollments.csv"][5]["userSourcedId"] = "stu-missing"

    response = await upload(api, admin, roster)

    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "invalid_bundle" and error["request_id"]
    assert error["message"] == "2 row(s) in 1 file(s) cannot be imported; nothing was changed"
    assert error["details"]["problems"] == 2
    assert error["details"]["rows"] == [
        {
            "file": "enrollments.csv",
            "line": 5,
            "problem": "classSourcedId 'cls-missing' names no row of classes.csv",
        },
        {
            "file": "enrollments.csv",
            "line": 7,
            "problem": "userSourcedId 'stu-missing' names no row of users.csv",
        },
    ]
    assert await db.oneroster.fingerprint() == state


async def test_a_teacher_whose_username_an_admin_holds_is_a_broken_row_at_its_line(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    roster = sample_roster(students=2, classes=1, enrollments=2, teachers=1)
    roster.user("tea-0000")["username"] = admin.user.username

    response = await upload(api, admin, roster)

    assert response.status == 422
    [row] = (await response.json())["error"]["details"]["rows"]
    assert (row["file"], row["line"]) == ("users.csv", 4)
    assert "belongs to an admin" in row["problem"]
    assert (await db.oneroster.fingerprint())["students"] == 0
    assert (await db.users.get(admin.user.id)).role is Role.ADMIN


async def test_an_upload_that_is_no_zip_or_too_large_or_of_another_type_is_refused(
    api: TestClient, admin: SignedIn, services
) -> None:
    not_zip = await api.post(
        IMPORT, data=b"hello", headers={**admin.headers, "Content-Type": "application/zip"}
    )
    assert not_zip.status == 422
    assert (await not_zip.json())["error"]["details"]["rows"] == [
        {"file": None, "line": None, "problem": "the upload is not a readable zip archive"}
    ]
    as_json = await api.post(IMPORT, json={"file": "x"}, headers=admin.headers)
    assert as_json.status == 415
    form = aiohttp.FormData()
    form.add_field(
        "file", b"\0" * (services.settings.service.max_upload_bytes + 1), filename="b.zip"
    )
    assert (await api.post(IMPORT, data=form, headers=admin.headers)).status == 413


async def test_people_left_out_of_the_next_bundle_are_deactivated(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    roster = sample_roster(students=4, classes=1, enrollments=4, teachers=1)
    await upload(api, admin, roster)
    roster.rows["users.csv"] = [
        u for u in roster.rows["users.csv"] if u["sourcedId"] != "stu-00003"
    ]
    roster.rows["enrollments.csv"] = [
        e for e in roster.rows["enrollments.csv"] if e["userSourcedId"] != "stu-00003"
    ]

    summary = await (await upload(api, admin, roster)).json()

    assert (summary["students_deactivated"], summary["enrollments_removed"]) == (1, 1)
    assert not (await db.people.get_by_external_id("stu-00003")).active


async def test_an_imported_teacher_cannot_sign_in_until_an_admin_sets_a_password(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    await upload(api, admin, sample_roster(students=1, classes=1, enrollments=1, teachers=1))
    login = {"username": "teacher0000", "password": "anything at all"}

    assert (await api.post("/api/auth/login", json=login)).status == 401

    teacher = (await db.users.credentials("teacher0000")).user
    await db.users.set_password_hash(teacher.id, hash_password(login["password"]))
    assert (await api.post("/api/auth/login", json=login)).status == 200


async def test_a_class_lists_who_teaches_it(
    api: TestClient, admin: SignedIn, teacher: SignedIn
) -> None:
    await upload(api, admin, sample_roster(students=2, classes=1, enrollments=2, teachers=1))
    (course,) = (await (await api.get("/api/courses", headers=teacher.headers)).json())["items"]
    assert course["external_id"] == "cls-0000"

    listed = await (
        await api.get(f"/api/courses/{course['id']}/teachers", headers=teacher.headers)
    ).json()

    assert [(t["username"], t["role"]) for t in listed["items"]] == [("teacher0000", "teacher")]


async def _bundle_class_with_a_session(
    api: TestClient, admin: SignedIn, db: Database, start: datetime = START
) -> tuple[str, str]:
    """(course id, session id): a bundle's class of 3 students, a closed session where
    stu-00000 was seen and stu-00001 excused."""
    await upload(api, admin, sample_roster(students=3, classes=1, enrollments=3, teachers=1))
    (course,) = (await db.courses.list()).items
    room = await db.rooms.create(f"Room {start.isoformat()}")
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )
    seen = await db.people.get_by_external_id("stu-00000")
    excused = await db.people.get_by_external_id("stu-00001")
    await db.attendance.record(
        Sighting(session.id, seen.id, AttendanceStatus.PRESENT, start + timedelta(minutes=2), 0.7)
    )
    await db.attendance.set_status(session.id, excused.id, AttendanceStatus.EXCUSED, actor="t")
    await db.sessions.set_status(session.id, SessionStatus.CLOSED)
    return str(course.id), str(session.id)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_a_sessions_attendance_is_exported_keyed_by_the_sourced_ids(
    api: TestClient, admin: SignedIn, teacher: SignedIn, db: Database
) -> None:
    _, session_id = await _bundle_class_with_a_session(api, admin, db)

    response = await api.get(
        f"/api/sessions/{session_id}/attendance-oneroster.csv", headers=teacher.headers
    )

    assert response.status == 200 and response.content_type == "text/csv"
    text = await response.text()
    assert text.splitlines()[0] == ",".join(EXPORT_COLUMNS)
    rows = _rows(text)
    assert {(r["classSourcedId"], r["userSourcedId"], r["status"]) for r in rows} == {
        ("cls-0000", "stu-00000", "present"),
        ("cls-0000", "stu-00001", "excused"),
        ("cls-0000", "stu-00002", "absent"),
    }
    assert {r["sessionId"] for r in rows} == {session_id}
    assert {r["sessionStatus"] for r in rows} == {"closed"}
    seen = next(r for r in rows if r["userSourcedId"] == "stu-00000")
    assert datetime.fromisoformat(seen["firstSeen"]) == START + timedelta(minutes=2)
    assert seen["manual"] == "false" and seen["onRoster"] == "true"


async def test_a_term_is_exported_session_by_session_within_its_dates(
    api: TestClient, admin: SignedIn, teacher: SignedIn, db: Database
) -> None:
    course_id, session_id = await _bundle_class_with_a_session(api, admin, db)
    (course,) = (await db.courses.list()).items
    room = await db.rooms.create("Later room")
    await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=START + timedelta(days=60),
        scheduled_end=START + timedelta(days=60, hours=1),
    )
    path = f"/api/courses/{course_id}/attendance-oneroster.csv"
    term = {"from": "2025-09-01T00:00:00+00:00", "to": "2025-11-01T00:00:00+00:00"}

    response = await api.get(path, params=term, headers=teacher.headers)

    assert response.status == 200
    rows = _rows(await response.text())
    assert len(rows) == 3 and {r["sessionId"] for r in rows} == {session_id}
    whole_year = {"from": "2025-09-01T00:00:00+00:00", "to": "2026-09-01T00:00:00+00:00"}
    rows = _rows(await (await api.get(path, params=whole_year, headers=teacher.headers)).text())
    assert [r["status"] for r in rows[3:]] == ["unseen"] * 3  # the later session, not held yet
    for bad in (
        {"from": term["from"]},
        {"from": term["to"], "to": term["from"]},
        {"from": "x", "to": "y"},
    ):
        assert (await api.get(path, params=bad, headers=teacher.headers)).status == 422


async def test_a_course_from_no_bundle_has_no_sourced_id_to_export_by(
    api: TestClient, teacher: SignedIn, db: Database
) -> None:
    course = await db.courses.create(code="HAND-1", name="Made by hand")
    room = await db.rooms.create("R")
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=START,
        scheduled_end=START + timedelta(hours=1),
    )

    by_session = await api.get(
        f"/api/sessions/{session.id}/attendance-oneroster.csv", headers=teacher.headers
    )
    by_term = await api.get(
        f"/api/courses/{course.id}/attendance-oneroster.csv",
        params={"from": "2025-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        headers=teacher.headers,
    )

    for response in (by_session, by_term):
        assert response.status == 409
        assert (await response.json())["error"]["code"] == "not_from_oneroster"
