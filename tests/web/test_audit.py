"""The service only reads the audit log: every entry is written by the store function making
the change, in the change's own transaction, never by a handler afterwards."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PROJECT_ROOT

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
