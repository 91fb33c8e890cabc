"""A course roster from a CSV of external ids: every row checked before anything is written.

The file holds one external id per row, or has a header row naming an `external_id` column
(then other columns, such as names exported with it, are ignored). Parsing and resolving
collect every problem with its line number, so the sender fixes the whole file in one go;
the caller enrols only when both succeed, so a refused file changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from store.errors import NotFound
from store.people import People

MAX_ROWS = 5000
MAX_EXTERNAL_ID_LENGTH = 200  # as the people table allows
HEADER = "external_id"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RosterRow:
    line: int
    external_id: str


@dataclass(frozen=True)
class RowProblem:
    line: int | None  # None: the file as a whole
    problem: str


class RosterImportError(Exception):
    """The file cannot be imported; `problems` says where and why, row by row."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = tuple(problems)
        rows = len({p.line for p in self.problems if p.line is not None})
        what = f"{rows} row(s) cannot be imported" if rows else self.problems[0].problem
        super().__init__(f"{what}; nothing was added")


def decode_csv(data: bytes) -> str:
    """The text of an uploaded file; UTF-8 with or without the BOM spreadsheets write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterImportError([RowProblem(None, "the file is not UTF-8 text")]) from None


def parse_roster_csv(text: str) -> tuple[RosterRow, ...]:
    """Every row's external id, or RosterImportError listing every broken row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[RosterRow] = []
    problems: list[RowProblem] = []
    column: int | None = None
    seen_first = False
    try:
        for cells in reader:
            line = reader.line_num
            stripped = [cell.strip() for cell in cells]
            if not any(stripped):
                continue
            if not seen_first:
                seen_first = True
                lowered = [cell.lower() for cell in stripped]
                if HEADER in lowered:
                    column = lowered.index(HEADER)
                    continue
            external_id, problem = _external_id(stripped, column)
            if problem is not None:
                problems.append(RowProblem(line, problem))
            else:
                rows.append(RosterRow(line, external_id))
            if len(rows) + len(problems) > MAX_ROWS:
                raise RosterImportError([RowProblem(None, f"more than {MAX_ROWS} rows")])
    except csv.Error as error:
        problems.append(RowProblem(reader.line_num, f"not valid CSV: {error}"))
    if problems:
        raise RosterImportError(problems)
    if not rows:
        raise RosterImportError([RowProblem(None, "the file holds no external ids")])
    return tuple(rows)


def _external_id(cells: list[str], column: int | None) -> tuple[str, str | None]:
    if column is None:
        while cells and not cells[-1]:
            cells = cells[:-1]
        if len(cells) != 1:
            return "", (
                f"expected one column (external_id), found {len(cells)}; to send more columns"
                f" add a header row naming the '{HEADER}' column"
            )
        value = cells[0]
    else:
        if column >= len(cells):
            return "", f"the row has no '{HEADER}' column"
        value = cells[column]
    if not value:
        return "", "the external_id is empty"
    if len(value) > MAX_EXTERNAL_ID_LENGTH:
        return "", f"the external_id is longer than {MAX_EXTERNAL_ID_LENGTH} characters"
    if _CONTROL.search(value):
        return "", "the external_id contains control characters"
    return value, None


async def resolve_people(people: People, rows: Sequence[RosterRow]) -> tuple[UUID, ...]:
    """The people the rows name, each once, in file order; RosterImportError for every row
    whose external id names nobody."""
    found: dict[str, UUID] = {}
    problems: list[RowProblem] = []
    for row in rows:
        if row.external_id in found:
            continue
        try:
            found[row.external_id] = (await people.get_by_external_id(row.external_id)).id
        except NotFound:
            problems.append(
                RowProblem(row.line, f"no person has the external id {row.external_id!r}")
            )
    if problems:
        raise RosterImportError(problems)
    return tuple(found.values())
