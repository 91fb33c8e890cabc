"""`rollcall import oneroster PATH` and `rollcall bench oneroster` against a real database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from store.database import Database
from tests.web.command_runs import last_json_line
from tests.web.command_runs import run_command as run_registered
from web.commands import oneroster as oneroster_commands
from web.evaluation.oneroster_sample import sample_roster


def run_command(argv: list[str]) -> int:
    return run_registered(oneroster_commands.register, argv)


async def test_a_folder_imports_with_progress_and_a_summary_and_again_changes_nothing(
    environment: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = sample_roster(students=40, classes=4, enrollments=80).write_folder(environment / "b")

    assert await asyncio.to_thread(run_command, ["import", "oneroster", str(folder)]) == 0

    captured = capsys.readouterr()
    result = last_json_line(captured.out)
    assert (result["students_created"], result["classes_created"]) == (40, 4)
    assert result["enrollments_added"] == 80
    progress = [line for line in captured.err.splitlines() if line.startswith("check [")]
    rows = 2 + 4 + 4 + 42 + 84  # orgs, courses, classes, users, enrollments
    assert 2 <= len(progress) <= 11  # not a terminal: a line per tenth
    assert progress[-1].endswith(f" {rows}/{rows}")
    assert "students: 40 created, 0 updated, 0 deactivated" in captured.err
    assert "new teachers have no password yet" in captured.err

    zipped = environment / "bundle.zip"
    zipped.write_bytes(sample_roster(students=40, classes=4, enrollments=80).zip_bytes())
    assert await asyncio.to_thread(run_command, ["import", "oneroster", str(zipped)]) == 0
    again = last_json_line(capsys.readouterr().out)
    assert (again["students_created"], again["students_updated"], again["enrollments_added"]) == (
        0,
        0,
        0,
    )
    assert (await db.oneroster.fingerprint())["enrollments"] == 80


async def test_a_broken_bundle_prints_every_problem_by_file_and_line_and_changes_nothing(
    environment: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = sample_roster(students=3, classes=1, enrollments=3)
    roster.user("stu-00001")["familyName"] = ""
    roster.rows["enrollments.csv"][2]["role"] = "principal"
    folder = roster.write_folder(environment / "broken")

    assert await asyncio.to_thread(run_command, ["import", "oneroster", str(folder)]) == 1

    captured = capsys.readouterr()
    assert "users.csv:3: familyName is empty" in captured.err
    assert "enrollments.csv:4: role 'principal' is not one of" in captured.err
    result = last_json_line(captured.out)
    assert result["kind"] == "invalid_bundle" and len(result["problems"]) == 2
    assert (await db.oneroster.fingerprint())["students"] == 0


async def test_a_path_that_is_no_bundle_is_refused_plainly(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await asyncio.to_thread(run_command, ["import", "oneroster", "nowhere"]) == 1
    assert "is no folder and no file" in last_json_line(capsys.readouterr().out)["error"]


async def test_the_benchmark_imports_a_generated_bundle_twice_with_the_same_result(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "oneroster", "--students", "50", "--classes", "5", "--enrollments", "100"]

    assert await asyncio.to_thread(run_command, argv) == 0

    result = last_json_line(capsys.readouterr().out)
    assert len(result["seconds"]) == 2 and result["same_result"] is True
    assert [run["changes"] for run in result["runs"]][1] == 0
    assert result["result"]["enrollments"] == 100
