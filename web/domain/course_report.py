"""A course's attendance over a window of days: each student's statuses and rate, as JSON and
as CSV.

The window is whole days in a time zone (the school's; UTC when none is named), first and last
included, at most `MAX_DAYS` long. It counts the course's sessions that start in it, have been
held (started by now) and were not cancelled; each student's status in each is the sheet's
(`web.domain.sheet`): their row's, else absent once the session closed, unseen before. The
rate is present plus late over the sessions in which the student has a status (present, late,
absent or excused); unseen sessions, still running, are left out of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from store.attendance import CourseReport, ReportLine
from web.domain.csv_export import csv_text
from web.domain.zones import known_zone

MAX_DAYS = 366
FIRST_DAY = date(1970, 1, 1)  # far enough from the ends of the calendar for every zone
LAST_DAY = date(9998, 12, 31)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CSV_COLUMNS = (
    "external_id",
    "display_name",
    "on_roster",
    "sessions",
    "present",
    "late",
    "absent",
    "excused",
    "unseen",
    "rate",
)


@dataclass(frozen=True)
class ReportWindow:
    first_day: date
    last_day: date
    zone: ZoneInfo

    @property
    def starts_from(self) -> datetime:
        return datetime.combine(self.first_day, time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def starts_before(self) -> datetime:
        after = self.last_day + timedelta(days=1)
        return datetime.combine(after, time(), tzinfo=self.zone).astimezone(UTC)


def _day(name: str, text: str | None) -> date:
    if text is None:
        raise ValueError(f"{name} is required: a day as YYYY-MM-DD")
    if not _DAY.match(text):
        raise ValueError(f"{name} must be a day as YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a day of the calendar") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{name} must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


def report_window(first: str | None, last: str | None, zone: str | None) -> ReportWindow:
    """The window a report's query names; ValueError saying what is wrong."""
    first_day, last_day = _day("from", first), _day("to", last)
    if last_day < first_day:
        raise ValueError("to must not be before from")
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise ValueError(f"a report spans at most {MAX_DAYS} days")
    return ReportWindow(first_day, last_day, known_zone(zone) if zone else ZoneInfo("UTC"))


def report_csv(report: CourseReport) -> str:
    """One row per student; the rate as a fraction with four decimals, empty without one."""

    def rows() -> Iterable[tuple[object, ...]]:
        for line in report.lines:
            yield (
                line.external_id,
                line.display_name,
                line.on_roster,
                line.sessions,
                line.present,
                line.late,
                line.absent,
                line.excused,
                line.unseen,
                _rate_text(line),
            )

    return csv_text(CSV_COLUMNS, rows())


def _rate_text(line: ReportLine) -> str:
    return "" if line.rate is None else f"{line.rate:.4f}"
