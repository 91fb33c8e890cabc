"""A OneRoster bundle is checked whole before anything is written: every broken row of every
file is listed with its file and line, references must resolve across the files, deletions
and roles Rollcall has no use for are left out, and a zip is read within its limits only."""

from __future__ import annotations

import io
import zipfile

import pytest

from web.domain import oneroster_files
from web.domain.oneroster_bundle import BundleInvalid, check_bundle
from web.domain.oneroster_files import files_from_folder, files_from_zip
from web.evaluation.oneroster_sample import SampleRoster, sample_roster


def problems_of(files: dict[str, bytes]) -> set[tuple[str | None, int | None, str]]:
    with pytest.raises(BundleInvalid) as refused:
        check_bundle(files)
    return {(p.file, p.line, p.problem) for p in refused.value.problems}


def line_of(roster: SampleRoster, file: str, sourced_id: str) -> int:
    """The line a row is written on (the header is line 1)."""
    ids = [row["sourcedId"] for row in roster.rows[file]]
    return ids.index(sourced_id) + 2


def test_a_valid_bundle_says_who_is_in_which_class_and_who_teaches_it() -> None:
    roster = sample_roster(students=20, classes=4, enrollments=40, teachers=2)

    checked = check_bundle(roster.files())

    bundle = checked.roster
    assert len(bundle.students) == 20 and len(bundle.teachers) == 2
    assert [c.code for c in bundle.classes] == ["CL-0000", "CL-0001", "CL-0002", "CL-0003"]
    assert len(bundle.enrollments) == 40
    assert sorted(bundle.teaching) == [
        ("cls-0000", "tea-0000"),
        ("cls-0001", "tea-0001"),
        ("cls-0002", "tea-0000"),
        ("cls-0003", "tea-0001"),
    ]
    student = next(s for s in bundle.students if s.sourced_id == "stu-00000")
    row = roster.user("stu-00000")
    assert student.display_name == f"{row['givenName']} {row['familyName']}"
    assert checked.rows == {
        "orgs.csv": 2,
        "courses.csv": 4,
        "classes.csv": 4,
        "users.csv": 22,
        "enrollments.csv": 44,
    }


def test_every_broken_row_of_every_file_is_listed_with_its_line() -> None:
    roster = sample_roster(students=5, classes=2, enrollments=6, teachers=1)
    users, enrollments = roster.rows["users.csv"], roster.rows["enrollments.csv"]
    roster.user("stu-00001")["givenName"] = ""
    roster.user("stu-00002")["role"] = "pupil"
    roster.user("stu-00003")["orgSourcedIds"] = "org-school-1,org-nowhere"
    users.append({**roster.user("stu-00004"), "username": "copy"})  # its sourcedId again
    enrollments[0]["classSourcedId"] = "cls-9999"
    enrollments[1]["userSourcedId"] = "stu-99999"
    enrollments[2]["beginDate"] = "1 Sept 2025"
    roster.rows["classes.csv"][1]["courseSourcedId"] = "crs-nope"
    roster.rows["orgs.csv"][0]["type"] = "galaxy"

    found = problems_of(roster.files())

    assert found == {
        ("users.csv", line_of(roster, "users.csv", "stu-00001"), "givenName is empty"),
        (
            "users.csv",
            line_of(roster, "users.csv", "stu-00002"),
            "role 'pupil' is not one of administrator, aide, guardian, parent, proctor,"
            " relative, student, teacher",
        ),
        (
            "users.csv",
            line_of(roster, "users.csv", "stu-00003"),
            "orgSourcedIds 'org-nowhere' names no row of orgs.csv",
        ),
        ("users.csv", len(users) + 1, "sourcedId 'stu-00004' is line 6's too"),
        ("enrollments.csv", 2, "classSourcedId 'cls-9999' names no row of classes.csv"),
        ("enrollments.csv", 3, "userSourcedId 'stu-99999' names no row of users.csv"),
        ("enrollments.csv", 4, "beginDate '1 Sept 2025' is not a date (YYYY-MM-DD)"),
        ("classes.csv", 3, "courseSourcedId 'crs-nope' names no row of courses.csv"),
        (
            "orgs.csv",
            2,
            "type 'galaxy' is not one of department, district, local, national, school, state",
        ),
    }


def test_a_missing_file_or_required_column_is_a_problem_of_that_file() -> None:
    files = sample_roster(students=2, classes=1, enrollments=2).files()
    del files["courses.csv"]
    files["classes.csv"] = files["classes.csv"].replace(b"termSourcedIds", b"terms", 1)

    found = problems_of(files)

    assert ("courses.csv", None, "the bundle has no such file") in found
    assert ("classes.csv", 1, "the header lacks the column(s): termSourcedIds") in found


def test_a_line_number_is_where_its_row_starts_even_after_a_quoted_line_break() -> None:
    roster = sample_roster(students=3, classes=1, enrollments=3)
    roster.user("stu-00000")["familyName"] = "Two\nLines"
    roster.user("stu-00001")["enabledUser"] = "maybe"

    found = {problem: line for _, line, problem in problems_of(roster.files())}

    assert found == {
        "givenName and familyName holds control or invisible formatting characters"
        " (such as U+202E)": 2,
        "enabledUser 'maybe' is not one of false, true": 4,  # the row below the two lines
    }


def test_deletions_are_left_out_and_the_enrollments_of_what_they_delete_with_them() -> None:
    roster = sample_roster(students=4, classes=2, enrollments=8, teachers=1)
    gone = roster.user("stu-00003")
    gone.update(status="tobedeleted", givenName="", familyName="", username="")
    roster.rows["classes.csv"][1]["status"] = "tobedeleted"

    checked = check_bundle(roster.files())

    assert {s.sourced_id for s in checked.roster.students} == {
        "stu-00000",
        "stu-00001",
        "stu-00002",
    }
    assert [c.sourced_id for c in checked.roster.classes] == ["cls-0000"]
    assert {(c, u) for c, u in checked.roster.enrollments} == {
        ("cls-0000", f"stu-{n:05d}") for n in range(3)
    }
    assert checked.skipped_users == 1


def test_no_row_makes_an_admin_other_roles_are_read_and_left_out() -> None:
    roster = sample_roster(students=2, classes=1, enrollments=2, teachers=1)
    for role in ("administrator", "guardian"):
        roster.rows["users.csv"].append(
            {**roster.user("tea-0000"), "sourcedId": f"x-{role}", "role": role, "username": role}
        )

    checked = check_bundle(roster.files())

    assert [t.sourced_id for t in checked.roster.teachers] == ["tea-0000"]
    assert checked.skipped_users == 2


def test_an_enrollment_role_must_be_its_users_role_and_a_teacher_needs_a_rollcall_username() -> (
    None
):
    roster = sample_roster(students=2, classes=1, enrollments=2, teachers=1)
    roster.rows["enrollments.csv"][1]["role"] = "teacher"  # a student's enrollment
    roster.user("tea-0000")["username"] = "Ms Hopper"

    found = problems_of(roster.files())

    assert {problem for _, _, problem in found} == {
        f"the enrollment's role is teacher, but user "
        f"{roster.rows['enrollments.csv'][1]['userSourcedId']!r} has role student",
        "the teacher's username 'Ms Hopper' is not a Rollcall username"
        " (letters, digits and . _ @ -, at most 100)",
    }


def test_a_file_that_is_not_utf8_is_refused_by_name() -> None:
    files = sample_roster(students=1, classes=1, enrollments=1).files()
    files["users.csv"] = "sourcedId,status\nÿ".encode("latin-1")

    assert ("users.csv", None, "the file is not UTF-8 text") in problems_of(files)


def _zip(entries: dict[str, bytes], encrypted: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    data = bytearray(out.getvalue())
    if encrypted is not None:
        # the flag an encrypting zip tool sets, in the member's central directory entry
        entry = data.index(b"PK\x01\x02")
        while not data[entry + 46 :].startswith(encrypted.encode()):
            entry = data.index(b"PK\x01\x02", entry + 4)
        data[entry + 8] |= 0x1
    return bytes(data)


def _refusal(data: bytes) -> str:
    with pytest.raises(BundleInvalid) as refused:
        files_from_zip(data)
    return refused.value.problems[0].problem


def test_a_zip_is_read_at_its_top_or_in_one_folder_and_other_files_are_ignored() -> None:
    files = sample_roster(students=3, classes=1, enrollments=3).files()

    at_top = files_from_zip(_zip({**files, "academicSessions.csv": b"x", "notes.txt": b"y"}))
    in_folder = files_from_zip(_zip({f"export/{name}": data for name, data in files.items()}))

    assert at_top == files and in_folder == files


@pytest.mark.parametrize(
    "name", ["../users.csv", "/etc/users.csv", "a/../../users.csv", "a\\..\\x"]
)
def test_a_zip_with_a_path_that_leads_outside_it_is_refused(name: str) -> None:
    files = sample_roster(students=1, classes=1, enrollments=1).files()

    assert "a path that leads outside it" in _refusal(_zip({**files, name: b"x"}))


def test_a_zip_that_unpacks_past_the_limit_or_is_encrypted_or_broken_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = sample_roster(students=1, classes=1, enrollments=1).files()
    monkeypatch.setattr(oneroster_files, "MAX_FILE_BYTES", 1_000_000)
    bomb = _zip({**files, "users.csv": b"\0" * 5_000_000})  # ~5 KB packed
    assert len(bomb) < 20_000

    assert "over 1,000,000 bytes" in _refusal(bomb)
    assert _refusal(_zip(files, encrypted="users.csv")) == "the file is encrypted"
    assert _refusal(b"PK\x03\x04 not really") == "the upload is not a readable zip archive"
    two = _zip({**files, **{f"old/{name}": data for name, data in files.items()}})
    assert "more than one folder" in _refusal(two)


def test_a_delta_bundle_is_refused_a_bulk_manifest_is_fine(tmp_path) -> None:
    roster = sample_roster(students=1, classes=1, enrollments=1)
    folder = roster.write_folder(tmp_path / "bundle")
    (folder / "manifest.csv").write_text(
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.users,bulk\n"
    )
    assert files_from_folder(folder) == roster.files()

    (folder / "manifest.csv").write_text("propertyName,value\nfile.users,delta\n")
    with pytest.raises(BundleInvalid, match="nothing was changed") as refused:
        files_from_folder(folder)
    assert "users as a delta" in refused.value.problems[0].problem
