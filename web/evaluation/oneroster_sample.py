"""A valid OneRoster 1.1 CSV bundle of any size, made up: for the tests and the benchmark.

One district with one school, one course per class, one teacher per class (a teacher may teach
several), and each student enrolled in distinct classes so the student enrollments add up to
the number asked for. Seeded: the same arguments give the same bundle, byte for byte.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HEADERS: dict[str, tuple[str, ...]] = {
    "orgs.csv": (
        "sourcedId",
        "status",
        "dateLastModified",
        "name",
        "type",
        "identifier",
        "parentSourcedId",
    ),
    "courses.csv": (
        "sourcedId",
        "status",
        "dateLastModified",
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "grades",
        "orgSourcedId",
        "subjects",
        "subjectCodes",
    ),
    "classes.csv": (
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "grades",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedIds",
        "subjects",
        "subjectCodes",
        "periods",
    ),
    "users.csv": (
        "sourcedId",
        "status",
        "dateLastModified",
        "enabledUser",
        "orgSourcedIds",
        "role",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
    ),
    "enrollments.csv": (
        "sourcedId",
        "status",
        "dateLastModified",
        "classSourcedId",
        "schoolSourcedId",
        "userSourcedId",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ),
}
MODIFIED = "2025-08-15T12:00:00.000Z"
_GIVEN = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim")
_FAMILY = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")

Row = dict[str, str]


@dataclass
class SampleRoster:
    """The bundle's rows per file, by column; change them, then take `files()`."""

    rows: dict[str, list[Row]] = field(default_factory=dict)

    def files(self) -> dict[str, bytes]:
        files = {}
        for name, header in HEADERS.items():
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(
                {column: row.get(column, "") for column in header} for row in self.rows[name]
            )
            files[name] = out.getvalue().encode("utf-8")
        return files

    def write_folder(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files().items():
            (folder / name).write_bytes(data)
        return folder

    def zip_bytes(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.files().items():
                archive.writestr(name, data)
        return out.getvalue()

    def user(self, sourced_id: str) -> Row:
        return next(row for row in self.rows["users.csv"] if row["sourcedId"] == sourced_id)

    def students(self) -> list[Row]:
        return [row for row in self.rows["users.csv"] if row["role"] == "student"]


def sample_roster(
    students: int = 1000,
    classes: int = 50,
    enrollments: int = 5000,
    *,
    teachers: int | None = None,
    seed: int = 0,
) -> SampleRoster:
    """`students` students and `classes` classes with `enrollments` student enrollments
    (at most one per student and class), and `teachers` teachers (default: one per two
    classes, at least one) teaching a class each in turn."""
    if enrollments > students * classes:
        raise ValueError("more enrollments than students times classes")
    rng = random.Random(seed)
    teachers = max(1, (classes + 1) // 2) if teachers is None else teachers
    school, district = "org-school-1", "org-district-1"
    common = {"status": "active", "dateLastModified": MODIFIED}
    orgs = [
        {**common, "sourcedId": district, "name": "Sample District", "type": "district"},
        {
            **common,
            "sourcedId": school,
            "name": "Sample High School",
            "type": "school",
            "parentSourcedId": district,
        },
    ]
    users: list[Row] = []
    for n in range(students):
        users.append(
            {
                **common,
                "sourcedId": f"stu-{n:05d}",
                "enabledUser": "true",
                "orgSourcedIds": school,
                "role": "student",
                "username": f"student{n:05d}",
                "givenName": rng.choice(_GIVEN),
                "familyName": rng.choice(_FAMILY),
                "identifier": f"S{n:05d}",
                "grades": "10",
            }
        )
    for n in range(teachers):
        users.append(
            {
                **common,
                "sourcedId": f"tea-{n:04d}",
                "enabledUser": "true",
                "orgSourcedIds": school,
                "role": "teacher",
                "username": f"teacher{n:04d}",
                "givenName": rng.choice(_GIVEN),
                "familyName": rng.choice(_FAMILY),
            }
        )
    courses: list[Row] = []
    class_rows: list[Row] = []
    for n in range(classes):
        courses.append(
            {
                **common,
                "sourcedId": f"crs-{n:04d}",
                "title": f"Course {n}",
                "courseCode": f"C{n:04d}",
                "orgSourcedId": school,
            }
        )
        class_rows.append(
            {
                **common,
                "sourcedId": f"cls-{n:04d}",
                "title": f"Class {n} of course {n}",
                "courseSourcedId": f"crs-{n:04d}",
                "classCode": f"CL-{n:04d}",
                "classType": "scheduled",
                "schoolSourcedId": school,
                "termSourcedIds": "term-2025-fall",
                "periods": str(1 + n % 8),
            }
        )
    enrollment_rows: list[Row] = []

    def enrol(cls: int, user: str, role: str) -> None:
        enrollment_rows.append(
            {
                **common,
                "sourcedId": f"enr-{len(enrollment_rows):06d}",
                "classSourcedId": f"cls-{cls:04d}",
                "schoolSourcedId": school,
                "userSourcedId": user,
                "role": role,
                "primary": "true" if role == "teacher" else "false",
                "beginDate": "2025-09-01",
                "endDate": "2026-01-31",
            }
        )

    for n in range(classes):
        enrol(n, f"tea-{n % teachers:04d}", "teacher")
    per_student = [enrollments // students + (n < enrollments % students) for n in range(students)]
    for n, count in enumerate(per_student):
        for cls in sorted(rng.sample(range(classes), count)):
            enrol(cls, f"stu-{n:05d}", "student")
    return SampleRoster(
        {
            "orgs.csv": orgs,
            "courses.csv": courses,
            "classes.csv": class_rows,
            "users.csv": users,
            "enrollments.csv": enrollment_rows,
        }
    )
