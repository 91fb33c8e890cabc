"""Attendance of a session: the sheet, teachers' overrides (audited, kept over later
sightings) and the CSV export (safe to open in a spreadsheet).

Sightings are written the way the presence engine writes them: `database.attendance.record`
with a store `Sighting`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from aiohttp.test_utils import TestClient

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.people import Person
from store.sessions import ClassSession, SessionStatus
from tests.web.conftest import SignedIn
from web.api.attendance import CSV_COLUMNS
from web.domain.csv_export import csv_text, safe_cell

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Class:
    session: ClassSession
    ada: Person
    bo: Person
    cy: Person

    def path(self, suffix: str = "") -> str:
        return f"/api/sessions/{self.session.id}/attendance{suffix}"


@pytest.fixture
async def lesson(db: Database) -> Class:
    """An open session of a course whose roster is Ada, Bo and Cy."""
    course = await db.courses.create(code="BIO1", name="Biology")
    room = await db.rooms.create("B-204")
    people = [
        await db.people.create(external_id=f"s{n}", display_name=name)
        for n, name in enumerate(("Ada", "Bo", "Cy"), start=1)
    ]
    await db.courses.enrol(course.id, [p.id for p in people])
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=START,
        scheduled_end=START + timedelta(hours=1),
    )
    session = await db.sessions.set_status(session.id, SessionStatus.OPEN)
    return Class(session, *people)


async def _see(
    db: Database,
    lesson: Class,
    person: Person,
    minutes: int,
    status: AttendanceStatus = AttendanceStatus.PRESENT,
) -> None:
    await db.attendance.record(
        Sighting(
            session_id=lesson.session.id,
            person_id=person.id,
            status=status,
            seen_at=START + timedelta(minutes=minutes),
            score=0.61,
        )
    )


async def test_the_sheet_lists_every_roster_member_with_unseen_for_those_not_seen_yet(
    api: TestClient, db: Database, teacher: SignedIn, lesson: Class
) -> None:
    await _see(db, lesson, lesson.ada, 1)
    await _see(db, lesson, lesson.ada, 7)
    await _see(db, lesson, lesson.bo, 20, AttendanceStatus.LATE)
    dee = await db.people.create(external_id="s4", display_name="Dee")
    await db.courses.enrol(lesson.session.course_id, [dee.id])
    await _see(db, lesson, dee, 2)
    await db.courses.unenrol(lesson.session.course_id, dee.id)

    response = await api.get(lesson.path(), headers=teacher.headers)
    assert response.status == 200
    sheet = await response.json()
    assert sheet["session"]["id"] == str(lesson.session.id)
    lines = {line["display_name"]: line for line in sheet["items"]}
    assert [line["display_name"] for line in sheet["items"]] == ["Ada", "Bo", "Cy", "Dee"]

    ada = lines["Ada"]
    assert (ada["status"], ada["recorded"], ada["sightings"]) == ("present", True, 2)
    assert datetime.fromisoformat(ada["first_seen"]) == START + timedelta(minutes=1)
    assert datetime.fromisoformat(ada["last_seen"]) == START + timedelta(minutes=7)
    assert lines["Bo"]["status"] == "late"
    cy = lines["Cy"]
    # never seen, the session still open: not yet seen (absent only once it is closed)
    assert (cy["status"], cy["recorded"], cy["first_seen"]) == ("unseen", False, None)
    # seen while enrolled, taken off the roster since: still on the sheet, marked as such
    assert (lines["Dee"]["status"], lines["Dee"]["on_roster"]) == ("present", False)
    assert all(lines[name]["on_roster"] for name in ("Ada", "Bo", "Cy"))
    assert sheet["counts"] == {
        "present": 2,
        "late": 1,
        "absent": 0,
        "excused": 0,
        "unseen": 1,
        "enrolled": 3,
    }


async def test_a_teachers_override_is_audited_and_later_sightings_do_not_change_it(
    api: TestClient, db: Database, teacher: SignedIn, lesson: Class
) -> None:
    await _see(db, lesson, lesson.bo, 25, AttendanceStatus.LATE)
    excused = await api.put(
        lesson.path(f"/{lesson.cy.id}"),
        json={"status": "excused", "note": "doctor's appointment"},
        headers=teacher.headers,
    )
    assert excused.status == 200
    record = await excused.json()
    assert (record["status"], record["manual"]) == ("excused", True)
    absent = await api.put(
        lesson.path(f"/{lesson.bo.id}"), json={"status": "absent"}, headers=teacher.headers
    )
    assert (await absent.json())["status"] == "absent"

    # the presence engine keeps seeing them: the counts move, the decisions stay
    await _see(db, lesson, lesson.cy, 30)
    await _see(db, lesson, lesson.bo, 31)
    cy = await db.attendance.get(lesson.session.id, lesson.cy.id)
    assert (cy.status, cy.manual, cy.sightings) == (AttendanceStatus.EXCUSED, True, 1)
    assert cy.last_seen == START + timedelta(minutes=30)
    bo = await db.attendance.get(lesson.session.id, lesson.bo.id)
    assert (bo.status, bo.sightings) == (AttendanceStatus.ABSENT, 2)

    entries = (await db.audit.list(entity_type="attendance")).items
    by_person = {entry.details["person_id"]: entry for entry in entries}
    assert by_person[str(lesson.cy.id)].actor == "tom-teacher"
    assert by_person[str(lesson.cy.id)].action == "attendance.set_status"
    assert by_person[str(lesson.cy.id)].details["reason"] == "doctor's appointment"
    assert (
        by_person[str(lesson.bo.id)].details["from"],
        by_person[str(lesson.bo.id)].details["to"],
    ) == (
        "late",
        "absent",
    )
    sheet = await (await api.get(lesson.path(), headers=teacher.headers)).json()
    counts = sheet["counts"]
    assert (counts["excused"], counts["absent"], counts["unseen"]) == (1, 1, 1)


async def test_bad_overrides_are_refused_and_change_nothing(
    api: TestClient, db: Database, admin: SignedIn, teacher: SignedIn, lesson: Class
) -> None:
    stranger = await db.people.create(external_id="x1", display_name="Not enrolled")
    cases = (
        (lesson.path(f"/{lesson.ada.id}"), {"status": "late"}, 422),
        (lesson.path(f"/{lesson.ada.id}"), {"status": "present", "note": "n" * 501}, 422),
        (lesson.path(f"/{lesson.ada.id}"), {"status": "present", "by": "me"}, 422),
        (lesson.path(f"/{lesson.ada.id}"), {"status": 1}, 422),
        (lesson.path(f"/{stranger.id}"), {"status": "present"}, 422),
        (lesson.path(f"/{uuid4()}"), {"status": "present"}, 404),
        (f"/api/sessions/{uuid4()}/attendance/{lesson.ada.id}", {"status": "present"}, 404),
    )
    for path, body, status in cases:
        response = await api.put(path, json=body, headers=teacher.headers)
        assert response.status == status, (path, body)
    not_on_roster = await api.put(
        lesson.path(f"/{stranger.id}"), json={"status": "present"}, headers=teacher.headers
    )
    assert (await not_on_roster.json())["error"]["code"] == "not_on_roster"
    malformed = await api.put(
        lesson.path(f"/{lesson.ada.id}"),
        data=b"{status: present}",
        headers={**teacher.headers, "Content-Type": "application/json"},
    )
    assert malformed.status == 400
    anonymous = await api.put(lesson.path(f"/{lesson.ada.id}"), json={"status": "present"})
    assert anonymous.status == 401

    await db.sessions.set_status(lesson.session.id, SessionStatus.CANCELLED)
    cancelled = await api.put(
        lesson.path(f"/{lesson.ada.id}"), json={"status": "present"}, headers=admin.headers
    )
    assert cancelled.status == 409
    assert (await db.attendance.list_for_session(lesson.session.id)).items == ()


async def test_the_sheet_needs_a_token_and_an_existing_session(
    api: TestClient, teacher: SignedIn, lesson: Class
) -> None:
    assert (await api.get(lesson.path())).status == 401
    assert (await api.get(lesson.path(".csv"))).status == 401
    for path in (f"/api/sessions/{uuid4()}/attendance", f"/api/sessions/{uuid4()}/attendance.csv"):
        assert (await api.get(path, headers=teacher.headers)).status == 404, path


async def test_the_csv_export_holds_the_sheet_with_formula_cells_defused(
    api: TestClient, db: Database, teacher: SignedIn, lesson: Class
) -> None:
    hostile = await db.people.create(
        external_id="@s5", display_name='=HYPERLINK("http://evil.example","x")'
    )
    await db.courses.enrol(lesson.session.course_id, [hostile.id])
    await _see(db, lesson, lesson.ada, 3)
    await api.put(
        lesson.path(f"/{lesson.bo.id}"), json={"status": "excused"}, headers=teacher.headers
    )

    response = await api.get(lesson.path(".csv"), headers=teacher.headers)
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_name = {row[1]: dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"Ada", "Bo", "Cy", '\'=HYPERLINK("http://evil.example","x")'}
    ada = by_name["Ada"]
    assert (ada["external_id"], ada["status"], ada["manual"], ada["sightings"]) == (
        "s1",
        "present",
        "false",
        "1",
    )
    assert datetime.fromisoformat(ada["first_seen"]) == START + timedelta(minutes=3)
    assert (by_name["Bo"]["status"], by_name["Bo"]["manual"]) == ("excused", "true")
    assert (by_name["Cy"]["status"], by_name["Cy"]["first_seen"]) == ("unseen", "")
    hostile_row = by_name['\'=HYPERLINK("http://evil.example","x")']
    assert hostile_row["external_id"] == "'@s5"


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted_and_others_kept() -> None:
    for dangerous in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\r=1"):
        assert safe_cell(dangerous) == "'" + dangerous
    for harmless in ("Ada", "1-2", "a=b", "", "'quoted"):
        assert safe_cell(harmless) == harmless
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"
    assert safe_cell(AttendanceStatus.LATE) == "late"
    assert safe_cell(UUID(int=0)) == "00000000-0000-0000-0000-000000000000"
    assert csv_text(("a", "b"), [("Doe, Ada", "-1")]) == 'a,b\r\n"Doe, Ada",\'-1\r\n'
