"""The courses API: courses, rosters, and roster imports that are all or nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import aiohttp
from aiohttp.test_utils import TestClient

from store.database import Database
from store.people import Person
from tests.web.conftest import SignedIn
from web.http.rate_limit import Limit, RateLimiter
from web.http.services import Services


async def _people(db: Database, *external_ids: str) -> list[Person]:
    return [
        await db.people.create(external_id=external_id, display_name=f"Student {external_id}")
        for external_id in external_ids
    ]


async def _course(api: TestClient, admin: SignedIn, code: str = "BIO1") -> str:
    created = await api.post(
        "/api/courses", json={"code": code, "name": "Biology"}, headers=admin.headers
    )
    assert created.status == 201
    return (await created.json())["id"]


async def _roster_ids(db: Database, course_id: str) -> set[str]:
    page = await db.courses.roster(UUID(course_id))
    return {person.external_id for person in page.items}


async def test_an_admin_creates_lists_gets_and_deletes_a_course(
    api: TestClient, admin: SignedIn
) -> None:
    course_id = await _course(api, admin)
    listed = await (await api.get("/api/courses", headers=admin.headers)).json()
    assert [c["code"] for c in listed["items"]] == ["BIO1"]
    fetched = await (await api.get(f"/api/courses/{course_id}", headers=admin.headers)).json()
    assert fetched["name"] == "Biology"
    assert (await api.delete(f"/api/courses/{course_id}", headers=admin.headers)).status == 204
    assert (await api.get(f"/api/courses/{course_id}", headers=admin.headers)).status == 404


async def test_recognition_is_on_by_default_and_an_admin_turns_it_off_audited(
    api: TestClient, admin: SignedIn, teacher: SignedIn, db: Database
) -> None:
    course_id = await _course(api, admin)
    assert (await (await api.get(f"/api/courses/{course_id}", headers=admin.headers)).json())[
        "recognition"
    ] is True
    path = f"/api/courses/{course_id}"
    refused = await api.patch(path, json={"recognition": False}, headers=teacher.headers)
    assert refused.status == 403
    for body in ({"recognition": "off"}, {"recognition": 0}, {"name": ""}, {"colour": "red"}):
        response = await api.patch(path, json=body, headers=admin.headers)
        assert response.status == 422, body
        assert (await response.json())["error"]["request_id"]

    changed = await api.patch(path, json={"recognition": False}, headers=admin.headers)
    assert changed.status == 200
    body = await changed.json()
    assert (body["recognition"], body["name"]) == (False, "Biology")
    audit = (await db.audit.list(entity_type="course", entity_id=UUID(course_id))).items
    newest = audit[0]
    assert (newest.actor, newest.action, newest.details) == (
        admin.user.username,
        "course.update",
        {"recognition": False},
    )
    created = await api.post(
        "/api/courses",
        json={"code": "ART1", "name": "Art", "recognition": False},
        headers=admin.headers,
    )
    assert (await created.json())["recognition"] is False
    missing = await api.patch(f"/api/courses/{uuid4()}", json={}, headers=admin.headers)
    assert missing.status == 404


async def test_a_course_code_is_taken_once_and_bodies_are_checked(
    api: TestClient, admin: SignedIn
) -> None:
    await _course(api, admin)
    taken = await api.post(
        "/api/courses", json={"code": "BIO1", "name": "Other"}, headers=admin.headers
    )
    assert taken.status == 409
    for body in ({"code": "X"}, {"code": 7, "name": "n"}, {"code": "", "name": "n"}, ["BIO2"]):
        response = await api.post("/api/courses", json=body, headers=admin.headers)
        assert response.status == 422, body
    as_text = await api.post("/api/courses", data="code=BIO2", headers=admin.headers)
    assert as_text.status == 415


async def test_a_course_with_class_sessions_cannot_be_deleted(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    course_id = await _course(api, admin)
    room = await db.rooms.create("Hall")
    start = datetime.now(UTC)
    await db.sessions.create(
        course_id=UUID(course_id),
        room_id=room.id,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )
    refused = await api.delete(f"/api/courses/{course_id}", headers=admin.headers)
    assert refused.status == 409
    assert (await api.get(f"/api/courses/{course_id}", headers=admin.headers)).status == 200


async def test_people_are_added_to_and_removed_from_a_roster(
    api: TestClient, db: Database, admin: SignedIn, teacher: SignedIn
) -> None:
    course_id = await _course(api, admin)
    ada, bo, cy = await _people(db, "s1", "s2", "s3")
    roster = f"/api/courses/{course_id}/roster"
    added = await api.post(
        roster, json={"person_ids": [str(ada.id), str(bo.id)]}, headers=admin.headers
    )
    assert added.status == 200
    assert await added.json() == {"added": 2, "already_enrolled": 0}
    again = await api.post(
        roster, json={"person_ids": [str(bo.id), str(cy.id)]}, headers=admin.headers
    )
    assert await again.json() == {"added": 1, "already_enrolled": 1}

    listed = await (await api.get(roster, headers=teacher.headers)).json()
    assert [p["external_id"] for p in listed["items"]] == ["s1", "s2", "s3"]

    removed = await api.delete(f"{roster}/{bo.id}", headers=admin.headers)
    assert removed.status == 204
    assert await _roster_ids(db, course_id) == {"s1", "s3"}
    not_there = await api.delete(f"{roster}/{bo.id}", headers=admin.headers)
    assert not_there.status == 404

    audited = (await db.audit.list(entity_type="course", entity_id=course_id)).items
    assert [(entry.actor, entry.action) for entry in audited] == [
        ("ada-admin", "course.roster_remove"),
        ("ada-admin", "course.roster_add"),
        ("ada-admin", "course.roster_add"),
    ]


async def test_a_roster_addition_naming_an_unknown_person_adds_nobody(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    course_id = await _course(api, admin)
    (ada,) = await _people(db, "s1")
    stranger = uuid4()
    response = await api.post(
        f"/api/courses/{course_id}/roster",
        json={"person_ids": [str(ada.id), str(stranger)]},
        headers=admin.headers,
    )
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "unknown_people"
    assert error["details"] == {"person_ids": [str(stranger)]}
    assert await _roster_ids(db, course_id) == set()

    empty = await api.post(
        f"/api/courses/{course_id}/roster", json={"person_ids": []}, headers=admin.headers
    )
    assert empty.status == 422
    unknown_course = await api.post(
        f"/api/courses/{uuid4()}/roster", json={"person_ids": [str(ada.id)]}, headers=admin.headers
    )
    assert unknown_course.status == 404


async def test_a_teacher_reads_courses_and_rosters_but_cannot_change_them(
    api: TestClient, db: Database, admin: SignedIn, teacher: SignedIn
) -> None:
    course_id = await _course(api, admin)
    (ada,) = await _people(db, "s1")
    assert (await api.get(f"/api/courses/{course_id}", headers=teacher.headers)).status == 200
    for method, path, body in (
        ("POST", "/api/courses", {"code": "X", "name": "Y"}),
        ("DELETE", f"/api/courses/{course_id}", None),
        ("POST", f"/api/courses/{course_id}/roster", {"person_ids": [str(ada.id)]}),
        ("DELETE", f"/api/courses/{course_id}/roster/{ada.id}", None),
    ):
        forbidden = await api.request(method, path, json=body, headers=teacher.headers)
        assert forbidden.status == 403, (method, path)
        assert (await api.request(method, path, json=body)).status == 401, (method, path)
    imported = await api.post(
        f"/api/courses/{course_id}/roster/import",
        data="s1\n",
        headers={**teacher.headers, "Content-Type": "text/csv"},
    )
    assert imported.status == 403
    for path in ("/api/courses", f"/api/courses/{course_id}", f"/api/courses/{course_id}/roster"):
        assert (await api.get(path)).status == 401, path
    assert await _roster_ids(db, course_id) == set()


async def test_a_roster_csv_of_external_ids_enrols_everyone_it_names(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    course_id = await _course(api, admin)
    await _people(db, "s1", "s2", "s3")
    response = await api.post(
        f"/api/courses/{course_id}/roster/import",
        data="\ufeffs1\r\ns2\r\n\r\ns2\r\n",
        headers={**admin.headers, "Content-Type": "text/csv"},
    )
    assert response.status == 200
    assert await response.json() == {"rows": 3, "people": 2, "added": 2, "already_enrolled": 0}
    assert await _roster_ids(db, course_id) == {"s1", "s2"}


async def test_a_roster_csv_with_a_header_may_carry_other_columns_and_come_as_a_form(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    course_id = await _course(api, admin)
    await _people(db, "s1", "s2", "s3")
    form = aiohttp.FormData()
    form.add_field(
        "file",
        b'name,external_id\n"Doe, Ada",s1\nBo,s3\n',
        filename="roster.csv",
        content_type="text/csv",
    )
    response = await api.post(
        f"/api/courses/{course_id}/roster/import", data=form, headers=admin.headers
    )
    assert response.status == 200
    assert (await response.json())["added"] == 2
    assert await _roster_ids(db, course_id) == {"s1", "s3"}


async def test_a_roster_csv_with_broken_or_unknown_rows_is_refused_whole_listing_each_row(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    course_id = await _course(api, admin)
    await _people(db, "s1", "s2")
    path = f"/api/courses/{course_id}/roster/import"
    headers = {**admin.headers, "Content-Type": "text/csv"}

    broken = await api.post(path, data="s1\ns2,extra\ns9\n" + "x" * 201 + "\n", headers=headers)
    assert broken.status == 422
    error = (await broken.json())["error"]
    assert error["code"] == "invalid_roster"
    assert "nothing was added" in error["message"]
    lines = [row["line"] for row in error["details"]["rows"]]
    assert lines == [2, 4]  # the shape is checked first; unknown ids only once it is sound
    assert "one column" in error["details"]["rows"][0]["problem"]

    unknown = await api.post(path, data="s1\ns9\ns2\ns8\n", headers=headers)
    assert unknown.status == 422
    rows = (await unknown.json())["error"]["details"]["rows"]
    assert [(row["line"], "s9" in row["problem"] or "s8" in row["problem"]) for row in rows] == [
        (2, True),
        (4, True),
    ]
    assert await _roster_ids(db, course_id) == set()


async def test_roster_files_that_are_not_csv_text_are_refused(
    api: TestClient, db: Database, admin: SignedIn
) -> None:
    course_id = await _course(api, admin)
    await _people(db, "s1")
    path = f"/api/courses/{course_id}/roster/import"
    csv_headers = {**admin.headers, "Content-Type": "text/csv"}
    not_utf8 = await api.post(path, data="s1\n\xe9l\xe8ve\n".encode("latin-1"), headers=csv_headers)
    assert not_utf8.status == 422
    assert "UTF-8" in (await not_utf8.json())["error"]["message"]
    empty = await api.post(path, data="\n\n", headers=csv_headers)
    assert empty.status == 422
    unterminated = await api.post(path, data='s1\n"s2\n', headers=csv_headers)
    assert unterminated.status == 422
    as_json = await api.post(path, json={"rows": ["s1"]}, headers=admin.headers)
    assert as_json.status == 415
    form = aiohttp.FormData()
    form.add_field("roster", b"s1\n", filename="roster.csv", content_type="text/csv")
    no_file_part = await api.post(path, data=form, headers=admin.headers)
    assert no_file_part.status == 422
    for content_type, body in (
        ("multipart/form-data", b"s1\n"),
        ("multipart/form-data; boundary=zzz", b"not a form--zzz\r\nbroken"),
    ):
        malformed = await api.post(
            path, data=body, headers={**admin.headers, "Content-Type": content_type}
        )
        assert malformed.status == 400, content_type
        assert (await malformed.json())["error"]["code"] == "bad_multipart"
    unknown_course = await api.post(
        f"/api/courses/{uuid4()}/roster/import", data="s1\n", headers=csv_headers
    )
    assert unknown_course.status == 404
    assert await _roster_ids(db, course_id) == set()


async def test_roster_imports_count_against_the_user_s_upload_limit(
    api: TestClient, db: Database, admin: SignedIn, services: Services
) -> None:
    one_upload = RateLimiter(Limit(per_minute=0.01, burst=1))
    services.limits = dataclasses.replace(services.limits, upload=one_upload)
    course_id = await _course(api, admin)
    await _people(db, "s1", "s2")
    path = f"/api/courses/{course_id}/roster/import"
    headers = {**admin.headers, "Content-Type": "text/csv"}
    assert (await api.post(path, data="s1\n", headers=headers)).status == 200
    refused = await api.post(path, data="s2\n", headers=headers)
    assert refused.status == 429
    assert (await refused.json())["error"]["code"] == "rate_limited"
    assert await _roster_ids(db, course_id) == {"s1"}
