"""The service only reads the audit log: every entry is written by the store function making
the change, in the change's own transaction, never by a handler afterwards."""

from __future__ import annotations

import ast
from pathlib import Path

from aiohttp.test_utils import TestClient

from store.database import Database
from tests.conftest import PROJECT_ROOT
from tests.web.conftest import SignedIn

READS = {"list"}


def audit_uses(source: Path) -> list[str]:
    """`line: name` for each use of the audit log other than reading it, and each import of
    the store's audit writer."""
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr not in READS:
            owner = node.value
            if (isinstance(owner, ast.Attribute) and owner.attr == "audit") or (
                isinstance(owner, ast.Name) and owner.id == "audit"
            ):
                found.append((node.lineno, f"audit.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module == "store.audit":
            found += [
                (node.lineno, f"import {a.name}") for a in node.names if a.name != "AuditEntry"
            ]
    return [f"{line}: {use}" for line, use in sorted(found)]


def test_nothing_in_the_service_writes_the_audit_log_itself() -> None:
    offending = {
        str(path.relative_to(PROJECT_ROOT)): uses
        for path in sorted((PROJECT_ROOT / "web").rglob("*.py"))
        if (uses := audit_uses(path))
    }
    assert offending == {}


def test_the_check_finds_a_handler_that_audits_after_its_change(tmp_path: Path) -> None:
    handler = tmp_path / "handler.py"
    handler.write_text(
        "from store.audit import append_audit\n"
        "async def delete(database, user, course_id):\n"
        "    await database.courses.delete(course_id)\n"
        "    await database.audit.record(actor=user, action='course.delete')\n"
        "    return await database.audit.list()\n",
        encoding="utf-8",
    )

    assert audit_uses(handler) == ["1: import append_audit", "4: audit.record"]


async def test_each_change_an_admin_makes_is_audited_under_their_name_and_a_refusal_is_not(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    headers = admin.headers
    room = await (await api.post("/api/rooms", json={"name": "A-1"}, headers=headers)).json()
    camera = await (
        await api.post(
            "/api/cameras",
            json={"name": "door", "kind": "webrtc", "room_id": room["id"]},
            headers=headers,
        )
    ).json()
    path = f"/api/cameras/{camera['id']}"
    changed = await api.patch(path, json={"name": "door-l", "enabled": False}, headers=headers)
    assert changed.status == 200
    assert (await api.post(f"{path}/token", headers=headers)).status == 200
    assert (await api.delete(path, headers=headers)).status == 204
    course = await (
        await api.post("/api/courses", json={"code": "C1", "name": "Chemistry"}, headers=headers)
    ).json()
    timetable = {
        "course_id": course["id"],
        "room_id": room["id"],
        "weekdays": ["mon"],
        "starts": "09:00",
        "ends": "09:50",
        "timezone": "Europe/Berlin",
        "first_day": "2026-03-02",
        "last_day": "2026-03-09",
    }
    assert (
        await api.post("/api/sessions/timetable", json=timetable, headers=headers)
    ).status == 201
    # both have sessions now: refused, and nothing is audited for them
    assert (await api.delete(f"/api/rooms/{room['id']}", headers=headers)).status == 409
    assert (await api.delete(f"/api/courses/{course['id']}", headers=headers)).status == 409

    entries = (await db.audit.list()).items
    assert [(entry.actor, entry.action) for entry in reversed(entries)] == [
        ("system", "user.create"),  # the admin of the test, made by its fixture
        ("ada-admin", "camera.create"),
        ("ada-admin", "camera.update"),
        ("ada-admin", "camera.disable"),
        ("ada-admin", "camera.rotate_token"),
        ("ada-admin", "camera.delete"),
        ("ada-admin", "sessions.timetable"),
    ]
