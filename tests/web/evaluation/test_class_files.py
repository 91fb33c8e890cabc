"""The roster and expected CSVs of `rollcall evaluate video`: read as written, refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.evaluation.class_files import ClassFileError, Role, read_class


def write(folder: Path, roster: str, expected: str) -> tuple[Path, Path]:
    (folder / "photos").mkdir(exist_ok=True)
    for name in ("ann.jpg", "bob.jpg"):
        (folder / "photos" / name).write_bytes(b"jpeg")
    (folder / "roster.csv").write_text(roster)
    (folder / "expected.csv").write_text(expected)
    return folder / "roster.csv", folder / "expected.csv"


ROSTER = "identity,enrol_path\nann,photos/ann.jpg\nbob,photos/bob.jpg\n"
EXPECTED = "identity,role,arrives_s\nann,student,3.5\nbob,absent,\neve,stranger,10\n"


def test_relative_photos_are_found_beside_the_roster_and_every_role_is_read(
    tmp_path: Path,
) -> None:
    truth = read_class(*write(tmp_path, ROSTER, EXPECTED))
    assert [e.photo for e in truth.enrolments] == [
        tmp_path / "photos" / "ann.jpg",
        tmp_path / "photos" / "bob.jpg",
    ]
    assert truth.enrolled == ["ann", "bob"]
    assert [(e.identity, e.arrives_s) for e in truth.with_role(Role.STUDENT)] == [("ann", 3.5)]
    assert [e.identity for e in truth.with_role(Role.ABSENT)] == ["bob"]
    assert [e.arrives_s for e in truth.with_role(Role.STRANGER)] == [10.0]


@pytest.mark.parametrize(
    ("roster", "expected", "says"),
    [
        ("identity,photo\nann,photos/ann.jpg\n", EXPECTED, "missing column(s) enrol_path"),
        ("identity,enrol_path\nann,photos/none.jpg\n", EXPECTED, "roster.csv:2: no photo"),
        (ROSTER, "identity,role,arrives_s\nann,teacher,1\n", "expected.csv:2: role must be"),
        (ROSTER, "identity,role,arrives_s\nann,student,soon\n", "arrives_s must be seconds"),
        (ROSTER, "identity,role,arrives_s\nann,student,-1\n", "arrives_s must be >= 0"),
        (ROSTER, "identity,role,arrives_s\nann,student,nan\n", "arrives_s must be >= 0"),
        (ROSTER, "identity,role,arrives_s\nbob,absent,4\n", "an absentee has no arrives_s"),
        (ROSTER, "identity,role,arrives_s\nann,stranger,1\n", "stranger 'ann' is in the roster"),
        (ROSTER, "identity,role,arrives_s\ncyd,student,1\n", "student 'cyd' is not in the"),
        (ROSTER, "identity,role,arrives_s\nann,student,1\nann,student,2\n", "listed twice"),
        (ROSTER, "identity,role,arrives_s\nann,student\n", "too few fields"),
    ],
)
def test_a_broken_file_is_refused_with_the_file_and_line_named(
    tmp_path: Path, roster: str, expected: str, says: str
) -> None:
    with pytest.raises(ClassFileError, match=says.replace("(", r"\(").replace(")", r"\)")):
        read_class(*write(tmp_path, roster, expected))


def test_a_file_that_is_not_utf8_or_not_there_is_refused(tmp_path: Path) -> None:
    roster, expected = write(tmp_path, ROSTER, EXPECTED)
    expected.write_bytes(b"identity,role,arrives_s\n\xff\xfe,student,1\n")
    with pytest.raises(ClassFileError, match="not UTF-8"):
        read_class(roster, expected)
    with pytest.raises(ClassFileError, match="cannot read"):
        read_class(roster, tmp_path / "missing.csv")
