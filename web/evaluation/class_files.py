"""The two CSV files that describe an evaluation video: the class's enrolments and the truth.

- roster.csv, `identity,enrol_path`: one row per enrolment photo; everyone in it is enrolled
  and on the class roster. A relative path is relative to the CSV's folder.
- expected.csv, `identity,role,arrives_s`: role `student` (in the video, enrolled), `stranger`
  (in the video, not enrolled) or `absent` (enrolled, never in the video); `arrives_s` is the
  video time from which a person can be seen (empty for absentees).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from recognizer.errors import RecognizerError


class ClassFileError(RecognizerError):
    """A roster or expected CSV that cannot be used, with the file and line named."""


class Role(StrEnum):
    STUDENT = "student"
    STRANGER = "stranger"
    ABSENT = "absent"


@dataclass(frozen=True)
class Enrolment:
    identity: str
    photo: Path


@dataclass(frozen=True)
class Expectation:
    identity: str
    role: Role
    arrives_s: float | None


@dataclass(frozen=True)
class ClassTruth:
    """Everything the CSVs say, checked against each other."""

    enrolments: tuple[Enrolment, ...]
    expected: tuple[Expectation, ...]

    @property
    def enrolled(self) -> list[str]:
        return sorted({e.identity for e in self.enrolments})

    def with_role(self, role: Role) -> list[Expectation]:
        return [e for e in self.expected if e.role is role]


def read_class(roster_csv: Path, expected_csv: Path) -> ClassTruth:
    enrolments = tuple(read_roster(roster_csv))
    expected = tuple(read_expected(expected_csv))
    enrolled = {e.identity for e in enrolments}
    for item in expected:
        is_enrolled = item.identity in enrolled
        if item.role is Role.STRANGER and is_enrolled:
            raise ClassFileError(f"{expected_csv}: stranger {item.identity!r} is in the roster")
        if item.role is not Role.STRANGER and not is_enrolled:
            raise ClassFileError(
                f"{expected_csv}: {item.role.value} {item.identity!r} is not in the roster"
            )
    return ClassTruth(enrolments, expected)


def read_roster(path: Path) -> Iterator[Enrolment]:
    for line, row in _rows(path, ("identity", "enrol_path")):
        identity, photo = row["identity"].strip(), row["enrol_path"].strip()
        if not identity or not photo:
            raise ClassFileError(f"{path}:{line}: identity and enrol_path must not be empty")
        resolved = Path(photo) if Path(photo).is_absolute() else path.parent / photo
        if not resolved.is_file():
            raise ClassFileError(f"{path}:{line}: no photo at {resolved}")
        yield Enrolment(identity, resolved)


def read_expected(path: Path) -> Iterator[Expectation]:
    seen: set[str] = set()
    for line, row in _rows(path, ("identity", "role", "arrives_s")):
        identity = row["identity"].strip()
        if not identity:
            raise ClassFileError(f"{path}:{line}: identity must not be empty")
        if identity in seen:
            raise ClassFileError(f"{path}:{line}: {identity!r} is listed twice")
        seen.add(identity)
        try:
            role = Role(row["role"].strip())
        except ValueError:
            raise ClassFileError(
                f"{path}:{line}: role must be student, stranger or absent, not {row['role']!r}"
            ) from None
        yield Expectation(identity, role, _arrival(path, line, role, row["arrives_s"].strip()))


def _arrival(path: Path, line: int, role: Role, text: str) -> float | None:
    if role is Role.ABSENT:
        if text:
            raise ClassFileError(f"{path}:{line}: an absentee has no arrives_s")
        return None
    try:
        value = float(text)
    except ValueError:
        raise ClassFileError(f"{path}:{line}: arrives_s must be seconds, not {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ClassFileError(f"{path}:{line}: arrives_s must be >= 0 seconds, not {text!r}")
    return value


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                raise ClassFileError(f"{path}: missing column(s) {', '.join(missing)}")
            for row in reader:
                if None in row.values():
                    raise ClassFileError(f"{path}:{reader.line_num}: too few fields")
                yield reader.line_num, row
    except OSError as error:
        raise ClassFileError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ClassFileError(f"{path} is not UTF-8 text") from None
