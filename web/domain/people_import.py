"""Bulk enrolment: many people (and their photos) from a CSV or a folder, checked before written.

Shared by `POST /api/people/import` (all-or-nothing: any problem refuses the whole import) and
`rollcall enroll` (writes the people without problems, reports the others). Either way a person
is written only when every field is valid and every one of their photos holds one usable face.

CSV columns, named by a header row: external_id, display_name, and optionally photo (a file
name) and course (a course code). A folder holds one sub-folder per person, named by their
external id (also their display name), holding their photos.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from store.database import Database
from store.errors import NotFound
from store.imports import NewPerson
from store.pagination import read_every_page
from web.domain.enrolment import (
    Enroller,
    FoundFace,
    PhotoFile,
    PhotoRefusal,
    PhotoSource,
    best_portrait,
)
from web.domain.text import plain_text_problem

REQUIRED_COLUMNS = ("external_id", "display_name")
OPTIONAL_COLUMNS = ("photo", "course")
MAX_ROWS = 10_000
MAX_FIELD_CHARS = 200
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})

Progress = Callable[[int, int], None]  # (rows examined, rows in all)


class ImportFormatError(ValueError):
    """The CSV as a whole cannot be read (no header, unknown columns, not text)."""


@dataclass(frozen=True)
class ImportRow:
    """One person to add. `number` is the CSV line (the header is line 1) or the sub-folder's
    position in the folder, so problems can be found where they are."""

    number: int
    external_id: str
    display_name: str
    photos: tuple[PhotoSource, ...] = ()
    course_code: str | None = None


@dataclass(frozen=True)
class RowProblem:
    row: int
    external_id: str
    reason: str
    message: str
    photo: str | None = None
    quality_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class CsvRow:
    number: int
    external_id: str
    display_name: str
    photo: str | None
    course_code: str | None


@dataclass(frozen=True)
class PlannedPerson:
    row: ImportRow
    faces: tuple[FoundFace, ...]
    course_id: UUID | None


@dataclass(frozen=True)
class ImportPlan:
    accepted: tuple[PlannedPerson, ...]
    problems: tuple[RowProblem, ...]


@dataclass(frozen=True)
class ImportedPerson:
    row: int
    id: UUID
    external_id: str
    templates: int


@dataclass(frozen=True)
class ImportResult:
    people: tuple[ImportedPerson, ...] = field(default_factory=tuple)

    @property
    def templates(self) -> int:
        return sum(person.templates for person in self.people)


def parse_people_csv(text: str) -> tuple[list[CsvRow], list[RowProblem]]:
    """The CSV's rows, and the problems of rows whose fields are broken."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as error:
        raise ImportFormatError(f"the CSV cannot be read: {error}") from None
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise ImportFormatError(
            "the first row must name the columns: external_id, display_name[, photo][, course]"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    if len(set(header)) != len(header):
        raise ImportFormatError("a column is named twice in the header")
    rows: list[CsvRow] = []
    problems: list[RowProblem] = []
    try:
        for cells in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are not rows
            if len(rows) + len(problems) >= MAX_ROWS:
                raise ImportFormatError(f"the CSV has more than {MAX_ROWS:,} rows: split it")
            if len(cells) != len(header):
                problems.append(
                    RowProblem(
                        number,
                        cells[0].strip() if cells else "",
                        "wrong_column_count",
                        f"{len(cells)} fields where the header names {len(header)}",
                    )
                )
                continue
            values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
            rows.append(
                CsvRow(
                    number,
                    values["external_id"],
                    values["display_name"],
                    values.get("photo") or None,
                    values.get("course") or None,
                )
            )
    except csv.Error as error:
        raise ImportFormatError(
            f"the CSV cannot be read at line {reader.line_num}: {error}"
        ) from None
    return rows, problems


def rows_with_photos(
    csv_rows: Sequence[CsvRow], find_photo: Callable[[str], PhotoSource | None]
) -> tuple[list[ImportRow], list[RowProblem]]:
    """Import rows whose photo names resolve (through `find_photo`), and problems for the rest.

    A photo named by two rows is refused for the later one: one face enrolled as two people
    would make every sighting of either ambiguous."""
    rows: list[ImportRow] = []
    problems: list[RowProblem] = []
    first_row_of: dict[str, int] = {}
    for row in csv_rows:
        photos: tuple[PhotoSource, ...] = ()
        if row.photo is not None:
            first = first_row_of.setdefault(Path(row.photo).as_posix(), row.number)
            if first != row.number:
                problems.append(
                    RowProblem(
                        row.number,
                        row.external_id,
                        "photo_reused",
                        f"the photo {row.photo!r} is row {first}'s already",
                        photo=row.photo,
                    )
                )
                continue
            photo = find_photo(row.photo)
            if photo is None:
                problems.append(
                    RowProblem(
                        row.number,
                        row.external_id,
                        "missing_photo",
                        f"the photo {row.photo!r} was not sent",
                        photo=row.photo,
                    )
                )
                continue
            photos = (photo,)
        rows.append(
            ImportRow(row.number, row.external_id, row.display_name, photos, row.course_code)
        )
    return rows, problems


def photo_in_folder(folder: Path) -> Callable[[str], PhotoSource | None]:
    """Look a CSV's photo name up inside `folder`, never above it (no '..', no absolute path);
    a symbolic link inside the folder is followed, as a person placing photos there meant."""

    def find(name: str) -> PhotoSource | None:
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts:
            return None
        path = folder / relative
        return PhotoFile(path) if path.is_file() else None

    return find


def rows_from_folder(folder: Path, course_code: str | None = None) -> list[ImportRow]:
    """One row per sub-folder (its name is the external id and display name), in name order;
    hidden entries are skipped."""
    people = sorted(
        entry for entry in folder.iterdir() if entry.is_dir() and not entry.name.startswith(".")
    )
    return [
        ImportRow(
            number,
            entry.name,
            entry.name.replace("_", " "),
            tuple(
                PhotoFile(path)
                for path in sorted(entry.iterdir())
                if path.is_file() and path.suffix.lower() in PHOTO_SUFFIXES
            ),
            course_code,
        )
        for number, entry in enumerate(people, start=1)
    ]


async def course_ids_by_code(database: Database) -> dict[str, UUID]:
    """Every course's id by its code (the store looks courses up by id only)."""
    return {course.code: course.id for course in await read_every_page(database.courses.list)}


def _field_problems(row: ImportRow) -> list[RowProblem]:
    problems = []
    for name, value in (("external_id", row.external_id), ("display_name", row.display_name)):
        if not value:
            problems.append(RowProblem(row.number, row.external_id, "missing", f"{name} is empty"))
        elif len(value) > MAX_FIELD_CHARS:
            problems.append(
                RowProblem(
                    row.number,
                    row.external_id[:MAX_FIELD_CHARS],
                    "too_long",
                    f"{name} is over {MAX_FIELD_CHARS} characters",
                )
            )
        elif (problem := plain_text_problem(value)) is not None:
            problems.append(RowProblem(row.number, row.external_id, "invalid", f"{name} {problem}"))
    return problems


def _photo_problem(row: ImportRow, refusal: PhotoRefusal) -> RowProblem:
    return RowProblem(
        row.number,
        row.external_id,
        refusal.reason.value,
        refusal.message,
        photo=refusal.filename,
        quality_reasons=refusal.quality_reasons,
    )


class PeopleImport:
    """Checks every row (fields, duplicates, existing people, courses, photos), then writes."""

    def __init__(self, database: Database, enroller: Enroller) -> None:
        self._database = database
        self._enroller = enroller

    async def plan(
        self,
        rows: Sequence[ImportRow],
        *,
        require_photos: bool = False,
        on_progress: Progress | None = None,
    ) -> ImportPlan:
        """Check every row; `require_photos` makes a row without photos a problem."""
        courses = await course_ids_by_code(self._database)
        seen: set[str] = set()
        accepted: list[PlannedPerson] = []
        problems: list[RowProblem] = []
        for done, row in enumerate(rows, start=1):
            found = _field_problems(row)
            if not found:
                found = await self._identity_problems(row, seen, courses)
            seen.add(row.external_id)
            if require_photos and not row.photos:
                found.append(
                    RowProblem(row.number, row.external_id, "no_photo", "no photo of this person")
                )
            results = await self._enroller.examine(row.photos)
            found += [_photo_problem(row, r) for r in results if isinstance(r, PhotoRefusal)]
            if found:
                problems.extend(found)
            else:
                faces = tuple(r for r in results if isinstance(r, FoundFace))
                course_id = courses[row.course_code] if row.course_code else None
                accepted.append(PlannedPerson(row, faces, course_id))
            if on_progress is not None:
                on_progress(done, len(rows))
        return ImportPlan(tuple(accepted), tuple(problems))

    async def _identity_problems(
        self, row: ImportRow, seen: set[str], courses: dict[str, UUID]
    ) -> list[RowProblem]:
        problems = []
        if row.external_id in seen:
            problems.append(
                RowProblem(
                    row.number, row.external_id, "duplicate", "the external id appears twice"
                )
            )
        else:
            try:
                await self._database.people.get_by_external_id(row.external_id)
            except NotFound:
                pass
            else:
                problems.append(
                    RowProblem(
                        row.number, row.external_id, "exists", "a person has this external id"
                    )
                )
        if row.course_code is not None and row.course_code not in courses:
            problems.append(
                RowProblem(
                    row.number,
                    row.external_id,
                    "unknown_course",
                    f"no course has the code {row.course_code!r}",
                )
            )
        return problems

    async def write(self, people: Sequence[PlannedPerson], *, actor: str) -> ImportResult:
        """Add the people, their templates and roster places in one transaction: all of them,
        or none when any is refused."""
        if not people:
            return ImportResult()
        ids = await self._database.imports.people(
            [
                NewPerson(
                    p.row.external_id,
                    p.row.display_name,
                    tuple(face.embedding for face in p.faces),
                    p.course_id,
                    best_portrait(p.faces),
                )
                for p in people
            ],
            model_pack=self._enroller.model_pack,
            actor=actor,
        )
        return ImportResult(
            tuple(
                ImportedPerson(p.row.number, person_id, p.row.external_id, len(p.faces))
                for person_id, p in zip(ids, people, strict=True)
            )
        )
