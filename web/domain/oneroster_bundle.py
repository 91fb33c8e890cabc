"""A OneRoster 1.1 CSV bundle checked row by row: every problem found, or what it says.

The five files Rollcall reads (orgs, courses, classes, users, enrollments) are parsed with
the csv module and each row is held to the OneRoster 1.1 CSV tables: its required columns
present and filled, its enumerations, its dates, and its references to the other files (an
enrollment naming a class or user the bundle does not hold is a broken row). Every problem is
collected as (file, line, message), so the sender fixes the whole bundle in one go; any
problem refuses the whole bundle.

What Rollcall takes from it: users of role student become people (their sourcedId is the
external id, their name given and family name), users of role teacher become teachers (no
password until an admin sets one), classes become courses (title as name, classCode as code),
and student and teacher enrollments fill rosters and teaching. Rows of status 'tobedeleted'
are deletions: they count as left out of the bundle. Other roles (administrator, aide,
guardian...) are read, checked and left out; no row of a bundle can make an admin.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from store.oneroster import BundleClass, BundleStudent, BundleTeacher, RosterBundle
from web.domain.text import plain_text_problem

ORGS, COURSES, CLASSES, USERS, ENROLLMENTS = (
    "orgs.csv",
    "courses.csv",
    "classes.csv",
    "users.csv",
    "enrollments.csv",
)
BUNDLE_FILES = (ORGS, COURSES, CLASSES, USERS, ENROLLMENTS)
MAX_ID_CHARS = 200  # as external ids are stored
MAX_NAME_CHARS = 200
MAX_CODE_CHARS = 100
# Rollcall's usernames (web.api.users.Username): a teacher's must be one to sign in with
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,100}$")

Progress = Callable[[int, int], None]  # (rows checked, rows in all)

_COMMON = ("sourcedId", "status", "dateLastModified")
# Per file: the columns a header must name, and those of them every active row must fill.
_REQUIRED: dict[str, tuple[str, ...]] = {
    ORGS: ("name", "type"),
    COURSES: ("title", "orgSourcedId"),
    CLASSES: ("title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
    USERS: ("enabledUser", "orgSourcedIds", "role", "username", "givenName", "familyName"),
    ENROLLMENTS: ("classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
}
_ENUMS: dict[str, dict[str, frozenset[str]]] = {
    ORGS: {"type": frozenset({"department", "school", "district", "local", "state", "national"})},
    CLASSES: {"classType": frozenset({"homeroom", "scheduled"})},
    USERS: {
        "role": frozenset(
            {
                "administrator",
                "aide",
                "guardian",
                "parent",
                "proctor",
                "relative",
                "student",
                "teacher",
            }
        ),
        "enabledUser": frozenset({"true", "false"}),
    },
    ENROLLMENTS: {
        "role": frozenset({"administrator", "proctor", "student", "teacher"}),
        "primary": frozenset({"true", "false"}),
    },
}
_DATES: dict[str, tuple[str, ...]] = {ENROLLMENTS: ("beginDate", "endDate")}
_STATUSES = frozenset({"", "active", "tobedeleted"})
# What is kept of a row: a district's users.csv has 18 columns, Rollcall reads 9 of them
_KEPT: dict[str, frozenset[str]] = {
    file: frozenset((*_COMMON, *_REQUIRED[file], *_ENUMS.get(file, {}), *_DATES.get(file, ())))
    | {"parentSourcedId", "classCode"}
    for file in _REQUIRED
}


@dataclass(frozen=True)
class BundleProblem:
    file: str | None  # None: the bundle as a whole
    line: int | None  # None: the file as a whole
    problem: str


class BundleInvalid(Exception):
    """The bundle cannot be imported; `problems` says where and why. Nothing was changed."""

    def __init__(self, problems: Sequence[BundleProblem]) -> None:
        self.problems = tuple(problems)
        rows = len({(p.file, p.line) for p in self.problems if p.line is not None})
        files = len({p.file for p in self.problems})
        what = (
            f"{rows} row(s) in {files} file(s) cannot be imported"
            if rows
            else self.problems[0].problem
        )
        super().__init__(f"{what}; nothing was changed")


@dataclass(frozen=True)
class Row:
    file: str
    line: int  # where the row starts (the header is line 1)
    values: Mapping[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")

    @property
    def sourced_id(self) -> str:
        return self["sourcedId"]

    @property
    def deleted(self) -> bool:
        return self["status"].lower() == "tobedeleted"


@dataclass(frozen=True)
class CheckedBundle:
    """What the bundle says, and where each user and class was read (for later refusals)."""

    roster: RosterBundle
    rows: dict[str, int]  # rows read per file
    skipped_users: int  # roles Rollcall has no use for, and deletions
    skipped_enrollments: int
    lines: dict[tuple[str, str], int] = field(repr=False)  # (file, sourcedId) -> line


def decode(file: str, data: bytes) -> str:
    """A file's text: UTF-8, with or without the BOM spreadsheets write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BundleInvalid([BundleProblem(file, None, "the file is not UTF-8 text")]) from None


def read_rows(file: str, text: str, problems: list[BundleProblem]) -> list[Row]:
    """The file's rows by column name; header and row-shape problems go to `problems`."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as error:
        problems.append(BundleProblem(file, 1, f"the header is not valid CSV: {error}"))
        return []
    if not any(header):
        problems.append(BundleProblem(file, None, "the file is empty: it needs a header row"))
        return []
    wanted = (*_COMMON, *_REQUIRED[file])
    missing = [name for name in wanted if name not in header]
    if missing:
        problems.append(
            BundleProblem(file, 1, f"the header lacks the column(s): {', '.join(missing)}")
        )
        return []
    twice = sorted({name for name in header if name and header.count(name) > 1})
    if twice:
        problems.append(BundleProblem(file, 1, f"the header names {', '.join(twice)} twice"))
        return []
    rows: list[Row] = []
    kept = _KEPT[file]
    ended = reader.line_num
    try:
        for cells in reader:
            line, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append(
                    BundleProblem(
                        file, line, f"{len(cells)} fields where the header names {len(header)}"
                    )
                )
                continue
            values = {n: c.strip() for n, c in zip(header, cells, strict=True) if n in kept}
            rows.append(Row(file, line, values))
    except csv.Error as error:
        problems.append(BundleProblem(file, reader.line_num, f"not valid CSV: {error}"))
    return rows


def _is_instant(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10  # YYYY-MM-DD, as the tables say


def _id_problem(column: str, value: str) -> str | None:
    if len(value) > MAX_ID_CHARS:
        return f"{column} is longer than {MAX_ID_CHARS} characters"
    if (problem := plain_text_problem(value)) is not None:
        return f"{column} {problem}"
    return None


def _row_problems(row: Row) -> list[str]:
    """What the OneRoster tables say about one row on its own (no references)."""
    found = []
    if not row.sourced_id:
        return ["sourcedId is empty"]
    if (problem := _id_problem("sourcedId", row.sourced_id)) is not None:
        found.append(problem)
    if row["status"].lower() not in _STATUSES:
        found.append(f"status {row['status']!r} is not active or tobedeleted")
    modified = row["dateLastModified"]
    if modified and not _is_instant(modified):
        found.append(f"dateLastModified {modified!r} is not an ISO 8601 date-time")
    if row.deleted:
        return found  # a deletion names what it deletes; the rest may be left blank
    found += [f"{column} is empty" for column in _REQUIRED[row.file] if not row[column]]
    for column, allowed in _ENUMS.get(row.file, {}).items():
        value = row[column]
        if value and value.lower() not in allowed:
            found.append(f"{column} {value!r} is not one of {', '.join(sorted(allowed))}")
    for column in _DATES.get(row.file, ()):
        value = row[column]
        if value and not _is_date(value):
            found.append(f"{column} {value!r} is not a date (YYYY-MM-DD)")
    return found


def _id_list(value: str) -> list[str]:
    """A list column: sourcedIds separated by commas (inside one quoted field)."""
    return [part.strip() for part in value.split(",") if part.strip()]


class _Checker:
    """Collects every problem of the bundle's rows, then what the bundle says."""

    def __init__(self, rows: Mapping[str, Sequence[Row]], on_progress: Progress | None) -> None:
        self.rows = rows
        self.problems: list[BundleProblem] = []
        self.on_progress = on_progress
        self.total = sum(len(file_rows) for file_rows in rows.values())
        self.done = 0
        # every sourcedId a file holds (broken rows too: one problem is not reported thrice)
        self.ids: dict[str, dict[str, Row]] = {}

    def problem(self, row: Row, message: str) -> None:
        self.problems.append(BundleProblem(row.file, row.line, message))

    def tick(self) -> None:
        self.done += 1
        step = max(self.total // 100, 1)
        if self.on_progress is not None and (self.done == self.total or self.done % step == 0):
            self.on_progress(self.done, self.total)

    def index(self) -> None:
        """Each file's rows by sourcedId, the rows themselves checked; a sourcedId twice in a
        file is a problem of its later rows."""
        for file in BUNDLE_FILES:
            by_id: dict[str, Row] = {}
            for row in self.rows[file]:
                for message in _row_problems(row):
                    self.problem(row, message)
                if not row.sourced_id:
                    continue
                first = by_id.setdefault(row.sourced_id, row)
                if first is not row:
                    self.problem(row, f"sourcedId {row.sourced_id!r} is line {first.line}'s too")
            self.ids[file] = by_id

    def refers(self, row: Row, column: str, file: str, many: bool = False) -> None:
        values = _id_list(row[column]) if many else [row[column]] if row[column] else []
        for value in values:
            if value not in self.ids[file]:
                self.problem(row, f"{column} {value!r} names no row of {file}")

    def live(self, file: str) -> Iterable[Row]:
        """Rows that are not deletions, each counted as checked."""
        for row in self.rows[file]:
            self.tick()
            if not row.deleted:
                yield row

    def text(self, row: Row, column: str, value: str, most: int) -> None:
        if len(value) > most:
            self.problem(row, f"{column} is longer than {most} characters")
        elif (problem := plain_text_problem(value)) is not None:
            self.problem(row, f"{column} {problem}")


def _display_name(row: Row) -> str:
    return f"{row['givenName']} {row['familyName']}".strip()


def check_bundle(files: Mapping[str, bytes], on_progress: Progress | None = None) -> CheckedBundle:
    """The bundle's roster, or BundleInvalid listing every problem of every file."""
    problems: list[BundleProblem] = []
    rows: dict[str, list[Row]] = {}
    for file in BUNDLE_FILES:
        if file not in files:
            problems.append(BundleProblem(file, None, "the bundle has no such file"))
            rows[file] = []
            continue
        try:
            rows[file] = read_rows(file, decode(file, files[file]), problems)
        except BundleInvalid as refusal:
            problems += refusal.problems
            rows[file] = []
    checker = _Checker(rows, on_progress)
    checker.problems = problems
    checker.index()
    return _roster(checker)


def _roster(check: _Checker) -> CheckedBundle:
    for row in check.live(ORGS):
        if row["parentSourcedId"]:
            check.refers(row, "parentSourcedId", ORGS)
    for row in check.live(COURSES):
        check.refers(row, "orgSourcedId", ORGS)

    classes: list[BundleClass] = []
    for row in check.live(CLASSES):
        check.refers(row, "courseSourcedId", COURSES)
        check.refers(row, "schoolSourcedId", ORGS)
        title, code = row["title"], row["classCode"] or row["title"][:MAX_CODE_CHARS]
        check.text(row, "title", title, MAX_NAME_CHARS)
        check.text(row, "classCode", code, MAX_CODE_CHARS)
        classes.append(BundleClass(row.sourced_id, code, title))

    students: list[BundleStudent] = []
    teachers: list[BundleTeacher] = []
    role_of: dict[str, str] = {}
    usernames: dict[str, Row] = {}
    skipped_users = 0
    for row in check.live(USERS):
        check.refers(row, "orgSourcedIds", ORGS, many=True)
        role = row["role"].lower()
        active = row["enabledUser"].lower() == "true"
        name = _display_name(row)
        if role not in ("student", "teacher"):
            skipped_users += 1
            continue
        role_of[row.sourced_id] = role
        check.text(row, "givenName and familyName", name, MAX_NAME_CHARS)
        if role == "student":
            students.append(BundleStudent(row.sourced_id, name, active))
            continue
        username = row["username"]
        if not username:
            pass  # said already: a required column
        elif not _USERNAME.match(username):
            check.problem(
                row,
                f"the teacher's username {username!r} is not a Rollcall username"
                " (letters, digits and . _ @ -, at most 100)",
            )
        elif (first := usernames.setdefault(username, row)) is not row:
            check.problem(row, f"the username {username!r} is line {first.line}'s too")
        teachers.append(BundleTeacher(row.sourced_id, username, name, active))
    skipped_users += sum(1 for row in check.rows[USERS] if row.deleted)

    live_classes = {c.sourced_id for c in classes}
    enrollments: dict[tuple[str, str], None] = {}
    teaching: dict[tuple[str, str], None] = {}
    skipped_enrollments = sum(1 for row in check.rows[ENROLLMENTS] if row.deleted)
    for row in check.live(ENROLLMENTS):
        check.refers(row, "classSourcedId", CLASSES)
        check.refers(row, "userSourcedId", USERS)
        check.refers(row, "schoolSourcedId", ORGS)
        role = row["role"].lower()
        user, cls = row["userSourcedId"], row["classSourcedId"]
        user_row = check.ids[USERS].get(user)
        if role in ("student", "teacher") and user_row is not None and not user_row.deleted:
            user_role = user_row["role"].lower()
            # an unknown role is the user row's problem already, not the enrollment's too
            if user_role != role and user_role in _ENUMS[USERS]["role"]:
                check.problem(
                    row, f"the enrollment's role is {role}, but user {user!r} has role {user_role}"
                )
        if role not in ("student", "teacher") or user not in role_of or cls not in live_classes:
            skipped_enrollments += 1  # another role, or a deleted user or class
            continue
        (enrollments if role == "student" else teaching)[(cls, user)] = None

    if check.problems:
        raise BundleInvalid(check.problems)
    return CheckedBundle(
        roster=RosterBundle(
            students=students,
            teachers=teachers,
            classes=classes,
            enrollments=list(enrollments),
            teaching=list(teaching),
        ),
        rows={file: len(check.rows[file]) for file in BUNDLE_FILES},
        skipped_users=skipped_users,
        skipped_enrollments=skipped_enrollments,
        lines={
            (file, sourced_id): row.line
            for file in (USERS, CLASSES)
            for sourced_id, row in check.ids[file].items()
        },
    )
