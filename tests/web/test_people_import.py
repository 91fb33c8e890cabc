"""Bulk import: a CSV plus photos, every row checked first, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from recognizer.analyzer import FaceAnalyzer
from store.database import Database
from tests.web.conftest import SignedIn
from web.domain.enrolment import Photo
from web.domain.people_import import (
    MAX_ROWS,
    ImportFormatError,
    parse_consent_time,
    parse_people_csv,
    rows_with_photos,
)

OBAMA = "face_recognition/Barack_Obama/Barack_Obama_4.jpg"
BIDEN = "face_recognition/Joseph_Biden/Joseph_Biden_2.jpg"
GROUP = "face_recognition/groups/two_people.jpg"
KIT = "face_recognition/Kit_Harington/Kit_Harington_1.jpeg"


def import_form(csv_text: str, faces_dir: Path, photos: dict[str, str]) -> FormData:
    form = FormData()
    form.add_field("csv", csv_text.encode(), filename="people.csv", content_type="text/csv")
    for name, relative in photos.items():
        form.add_field(name, (faces_dir / relative).read_bytes(), filename=name)
    return form


async def counts(db: Database, pack: str) -> tuple[int, int]:
    people = len((await db.people.list()).items)
    templates = len(await db.templates.load_matrix(pack, active_only=False))
    return people, templates


async def test_people_photos_and_roster_places_are_written_from_a_valid_csv(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path, analyzer: FaceAnalyzer
) -> None:
    course = await db.courses.create(code="CS101", name="Programming")
    csv_text = (
        "external_id,display_name,photo,course,consent_at\n"
        "s-1,Barack Obama,obama.jpg,CS101,2026-09-01\n"
        "s-2,Joe Biden,biden.jpg,,2026-09-02T10:30:00+02:00\n"
        "s-3,No Photo Yet,,CS101,\n"  # no face: no consent needed to be on the roster
    )
    form = import_form(csv_text, faces_dir, {"obama.jpg": OBAMA, "biden.jpg": BIDEN})
    response = await api.post("/api/people/import", data=form, headers=admin.headers)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert (body["created"], body["templates"]) == (2 + 1, 2)
    assert [(p["row"], p["external_id"], p["templates"]) for p in body["people"]] == [
        (2, "s-1", 1),
        (3, "s-2", 1),
        (4, "s-3", 0),
    ]
    assert await counts(db, analyzer.pack_name) == (3, 2)
    consents = {p.external_id: p.consent_at for p in (await db.people.list()).items}
    assert consents == {
        "s-1": datetime(2026, 9, 1, tzinfo=UTC),
        "s-2": datetime(2026, 9, 2, 8, 30, tzinfo=UTC),
        "s-3": None,
    }
    roster = await db.courses.roster(course.id)
    assert sorted(p.external_id for p in roster.items) == ["s-1", "s-3"]
    imports = [e for e in (await db.audit.list(entity_type="person")).items if e.entity_id is None]
    assert [(e.actor, e.action, e.details) for e in imports] == [
        (admin.user.username, "people.import", {"people": 3, "templates": 2}),
        (admin.user.username, "person.import", {"count": 3}),
    ]


async def test_broken_rows_are_all_listed_by_row_number_and_nothing_is_written(
    api: TestClient, admin: SignedIn, db: Database, faces_dir: Path, analyzer: FaceAnalyzer
) -> None:
    await db.people.create(external_id="s-0", display_name="Already Here")
    csv_text = (
        "external_id,display_name,photo,course,consent_at\n"
        "s-1,Barack Obama,obama.jpg,,2026-09-01\n"  # fine on its own
        "s-0,Taken Id,,,\n"
        "s-2,,biden.jpg,,2026-09-01\n"
        "s-3,Two Faces,group.jpg,,2026-09-01\n"
        "s-4,Lost Photo,missing.jpg,,2026-09-01\n"
        "s-1,Twice,,,\n"
        "s-5,Nowhere,,NOPE1,\n"
        "s-6,Too,Many,Fields,Here,Again\n"
        "s-7,Obama Again,obama.jpg,,2026-09-01\n"
        "s-8,Not Asked Yet,kit.jpg,,\n"
        "s-9,Some Day,,,next week\n"
    )
    form = import_form(
        csv_text,
        faces_dir,
        {"obama.jpg": OBAMA, "biden.jpg": BIDEN, "group.jpg": GROUP, "kit.jpg": KIT},
    )
    response = await api.post("/api/people/import", data=form, headers=admin.headers)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "import_refused"
    assert "nothing was written" in error["message"]
    assert [(d["row"], d["reason"]) for d in error["details"]] == [
        (3, "exists"),
        (4, "missing"),
        (5, "several_faces"),
        (6, "missing_photo"),
        (7, "duplicate"),
        (8, "unknown_course"),
        (9, "wrong_column_count"),
        (10, "photo_reused"),
        (11, "no_consent"),
        (12, "invalid"),
    ]
    assert "s-8" in error["details"][-2]["message"]
    assert await counts(db, analyzer.pack_name) == (1, 0)


async def test_a_csv_without_its_header_or_without_a_csv_part_is_refused(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    headerless = FormData()
    headerless.add_field("csv", b"s-1,Ada\n", filename="people.csv", content_type="text/csv")
    response = await api.post("/api/people/import", data=headerless, headers=admin.headers)
    assert response.status == 422
    assert "external_id, display_name" in (await response.json())["error"]["message"]
    no_csv = FormData()
    no_csv.add_field("photo", b"\xff\xd8", filename="a.jpg")
    response = await api.post("/api/people/import", data=no_csv, headers=admin.headers)
    assert (await response.json())["error"]["code"] == "no_csv"
    assert len((await db.people.list()).items) == 0


async def test_importing_needs_an_admin(
    api: TestClient, teacher: SignedIn, faces_dir: Path
) -> None:
    form = import_form("external_id,display_name\ns-1,Ada\n", faces_dir, {})
    assert (await api.post("/api/people/import", data=form)).status == 401
    form = import_form("external_id,display_name\ns-1,Ada\n", faces_dir, {})
    response = await api.post("/api/people/import", data=form, headers=teacher.headers)
    assert response.status == 403


def test_the_csv_header_names_the_columns_in_any_order() -> None:
    rows, problems = parse_people_csv("display_name,external_id\r\nAda Lovelace,s-1\r\n\r\n")
    assert problems == []
    assert [(r.number, r.external_id, r.display_name, r.photo) for r in rows] == [
        (2, "s-1", "Ada Lovelace", None)
    ]
    with pytest.raises(ImportFormatError, match="unknown: email"):
        parse_people_csv("external_id,display_name,email\n")


def test_a_photo_named_by_two_rows_belongs_to_the_first_only() -> None:
    rows, _ = parse_people_csv(
        "external_id,display_name,photo\ns-1,Ada,ada.jpg\ns-2,Bob,./ada.jpg\ns-3,Cy,cy.jpg\n"
    )
    sent = {"ada.jpg": Photo("ada.jpg", b"a"), "cy.jpg": Photo("cy.jpg", b"c")}
    found, problems = rows_with_photos(rows, lambda name: sent.get(name.removeprefix("./")))
    assert [row.external_id for row in found] == ["s-1", "s-3"]
    assert [(p.row, p.reason, p.photo) for p in problems] == [(3, "photo_reused", "./ada.jpg")]


async def test_more_photo_parts_than_a_csv_can_name_are_refused(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    form = FormData()
    form.add_field("csv", b"external_id,display_name\ns-1,Ada\n", filename="people.csv")
    for n in range(MAX_ROWS + 1):
        form.add_field(f"p{n}", b"", filename=f"{n}.jpg")
    response = await api.post("/api/people/import", data=form, headers=admin.headers)
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "too_many_photos"
    assert len((await db.people.list()).items) == 0


def test_a_consent_time_is_a_past_date_or_a_date_and_time_with_its_zone() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_consent_time("2026-09-01", now) == datetime(2026, 9, 1, tzinfo=UTC)
    assert parse_consent_time("2026-09-01T10:00:00+02:00", now) == datetime(
        2026, 9, 1, 8, tzinfo=UTC
    )
    for text, problem in (
        ("2026-09-01T10:00:00", "needs its zone"),
        ("2027-01-01", "in the future"),
        ("next week", "not an ISO 8601 date"),
        ("0001-01-01T00:00:00+05:00", "outside the calendar"),
    ):
        with pytest.raises(ValueError, match=problem):
            parse_consent_time(text, now)
