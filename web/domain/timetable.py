"""A course's weekly timetable turned into the class sessions it stands for.

Times are wall-clock times in the school's time zone: a 09:00 lesson stays at 09:00 across a
daylight-saving change, so each slot is placed in the zone first and only then made absolute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

MAX_SESSIONS = 500  # a school year of a daily course, with room to spare


class Weekday(IntEnum):
    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6


class TimetableError(ValueError):
    """The timetable names no session, or more than MAX_SESSIONS."""


def weekly_slots(
    *,
    first_day: date,
    last_day: date,
    weekdays: frozenset[Weekday],
    starts: time,
    ends: time,
    zone: ZoneInfo,
) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every lesson on `weekdays` from first_day to last_day inclusive."""
    if last_day < first_day:
        raise TimetableError("last_day is before first_day")
    if ends <= starts:
        raise TimetableError("a lesson must end after it starts (on the same day)")
    if (last_day - first_day).days // 7 * max(len(weekdays), 1) > MAX_SESSIONS:
        raise TimetableError(f"a timetable makes at most {MAX_SESSIONS} sessions")
    slots = []
    day = first_day
    try:
        while day <= last_day:
            if Weekday(day.weekday()) in weekdays:
                start = datetime.combine(day, starts, tzinfo=zone).astimezone(UTC)
                end = datetime.combine(day, ends, tzinfo=zone).astimezone(UTC)
                slots.append((start, end))
            day += timedelta(days=1)
    except OverflowError:
        # a lesson on the first or last day of the calendar has no instant in UTC
        raise TimetableError("the days are outside the calendar this service keeps") from None
    if not slots:
        raise TimetableError("no lesson falls between first_day and last_day")
    if len(slots) > MAX_SESSIONS:
        raise TimetableError(f"a timetable makes at most {MAX_SESSIONS} sessions")
    return slots
