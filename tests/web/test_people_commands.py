"""`rollcall user add` and `rollcall enroll` against a real database, models and photos."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from recognizer.analyzer import FaceAnalyzer
from store.database import Database
from store.passwords import verify_password
from store.users import Role
from tests.web.command_runs import last_json_line
from tests.web.command_runs import run_command as run_registered
from web.commands import people as people_commands


def run_command(argv: list[str]) -> int:
    return run_registered(people_commands.register, argv)


async def test_user_add_creates_the_first_admin_with_the_password_from_stdin(
    environment: Path,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret phrase\n"))
    code = await asyncio.to_thread(
        run_command, ["user", "add", "root-admin", "--role", "admin", "--password-stdin"]
    )
    assert code == 0
    result = last_json_line(capsys.readouterr().out)
    assert (result["username"], result["role"]) == ("root-admin", "admin")
    credentials = await db.users.credentials("root-admin")
    assert credentials.user.role is Role.ADMIN
    assert verify_password(credentials.password_hash, "a long secret phrase")

    monkeypatch.setattr("sys.stdin", io.StringIO("another long secret\n"))
    again = await asyncio.to_thread(
        run_command, ["user", "add", "root-admin", "--role", "teacher", "--password-stdin"]
    )
    assert again == 1
    assert last_json_line(capsys.readouterr().out)["kind"] == "exists"


async def test_user_add_refuses_a_short_password_and_adds_nobody(
    environment: Path,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code = await asyncio.to_thread(
        run_command, ["user", "add", "someone", "--role", "teacher", "--password-stdin"]
    )
    assert code == 1
    captured = capsys.readouterr()
    assert "password" in last_json_line(captured.out)["error"]
    assert "short" not in captured.out.replace("should", "")
    assert (await db.users.list()).items == ()


def person_folder(root: Path, name: str, *photos: Path) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    for number, photo in enumerate(photos, start=1):
        (folder / f"{number}{photo.suffix}").symlink_to(photo)


async def test_enroll_writes_the_people_whose_photos_all_pass_and_reports_the_others(
    environment: Path,
    db: Database,
    faces_dir: Path,
    analyzer: FaceAnalyzer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    course = await db.courses.create(code="CS101", name="Programming")
    people = environment / "people"
    obama = faces_dir / "face_recognition" / "Barack_Obama"
    person_folder(
        people, "Barack_Obama", obama / "Barack_Obama_3.jpg", obama / "Barack_Obama_4.jpg"
    )
    person_folder(
        people, "Joseph_Biden", faces_dir / "face_recognition/Joseph_Biden/Joseph_Biden_1.jpg"
    )
    person_folder(
        people,
        "Kit_Harington",
        faces_dir / "face_recognition/Kit_Harington/Kit_Harington_1.jpeg",
        faces_dir / "face_recognition/groups/two_people.jpg",
    )
    (people / "Nobody_Yet").mkdir()

    code = await asyncio.to_thread(
        run_command, ["enroll", str(people), "--course", "CS101", "--consent-at", "2026-09-01"]
    )
    captured = capsys.readouterr()
    assert code == 1  # some were refused
    summary = last_json_line(captured.out)
    assert (summary["enrolled"], summary["templates"]) == (2, 3)
    assert [(r["external_id"], r["reason"]) for r in summary["refused"]] == [
        ("Kit_Harington", "several_faces"),
        ("Nobody_Yet", "no_photo"),
    ]
    assert summary["refused"][0]["photo"] == "2.jpg"
    assert "enroll [" in captured.err and "4/4" in captured.err

    obama_row = await db.people.get_by_external_id("Barack_Obama")
    assert obama_row.display_name == "Barack Obama"
    roster = await db.courses.roster(course.id)
    assert sorted(p.external_id for p in roster.items) == ["Barack_Obama", "Joseph_Biden"]
    assert len(await db.templates.load_matrix(analyzer.pack_name)) == 3
    assert len((await db.people.list()).items) == 2


async def test_enroll_from_a_csv_finds_photos_only_inside_the_folder(
    environment: Path,
    db: Database,
    faces_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    photos = environment / "photos"
    photos.mkdir()
    (photos / "kit.jpg").symlink_to(
        faces_dir / "face_recognition/Kit_Harington/Kit_Harington_2.jpeg"
    )
    (environment / "outside.jpg").symlink_to(
        faces_dir / "face_recognition/Joseph_Biden/Joseph_Biden_2.jpg"
    )
    csv_path = environment / "people.csv"
    csv_path.write_text(
        "external_id,display_name,photo,consent_at\n"
        "s-1,Kit Harington,kit.jpg,2026-09-01\n"
        "s-2,Joe Biden,../outside.jpg,2026-09-01\n"
    )
    code = await asyncio.to_thread(run_command, ["enroll", str(photos), "--csv", str(csv_path)])
    summary = last_json_line(capsys.readouterr().out)
    assert code == 1
    assert summary["enrolled"] == 1
    assert [(r["row"], r["reason"]) for r in summary["refused"]] == [(3, "missing_photo")]
    assert [p.external_id for p in (await db.people.list()).items] == ["s-1"]


async def test_enroll_without_a_recorded_consent_refuses_each_person_by_name_and_exits_1(
    environment: Path,
    db: Database,
    faces_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    people = environment / "people"
    for name, photo in (
        ("Joseph_Biden", "Joseph_Biden/Joseph_Biden_1.jpg"),
        ("Kit_Harington", "Kit_Harington/Kit_Harington_1.jpeg"),
    ):
        person_folder(people, name, faces_dir / "face_recognition" / photo)
    csv_path = environment / "people.csv"
    csv_path.write_text(
        "external_id,display_name,photo,consent_at\ns-1,Kit,Kit_Harington/1.jpeg,\n"
    )

    for argv in (["enroll", str(people)], ["enroll", str(people), "--csv", str(csv_path)]):
        code = await asyncio.to_thread(run_command, argv)
        captured = capsys.readouterr()
        assert code == 1
        refused = last_json_line(captured.out)["refused"]
        assert {r["reason"] for r in refused} == {"no_consent"}
        for row in refused:
            assert f"({row['external_id']}) refused: no consent" in captured.err
    assert (await db.people.list()).items == ()

    code = await asyncio.to_thread(run_command, ["enroll", str(people), "--consent-at", "soon"])
    assert code == 1
    assert "--consent-at" in last_json_line(capsys.readouterr().out)["error"]


async def test_enroll_with_an_unknown_course_writes_nothing(
    environment: Path, db: Database, faces_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = environment / "people"
    person_folder(
        people, "Joseph_Biden", faces_dir / "face_recognition/Joseph_Biden/Joseph_Biden_1.jpg"
    )
    code = await asyncio.to_thread(run_command, ["enroll", str(people), "--course", "NOPE"])
    assert code == 1
    assert "NOPE" in last_json_line(capsys.readouterr().out)["error"]
    assert (await db.people.list()).items == ()


def test_enroll_of_a_folder_with_nobody_in_it_is_an_error_that_says_what_to_put_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "people"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a person")
    assert run_command(["enroll", str(empty)]) == 1
    said = last_json_line(capsys.readouterr().out)
    assert said["kind"] == "nothing_to_enrol"
    assert "a folder named by their external id" in said["error"]
