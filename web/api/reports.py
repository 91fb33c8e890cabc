"""Attendance reports of a course over a window of days (`web.domain.course_report` says what
is counted): JSON for the reports page, CSV for spreadsheets. Teachers and admins."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from store.attendance import CourseReport, ReportLine
from store.courses import Course
from web.domain.course_report import MAX_DAYS, ReportWindow, report_csv, report_window
from web.http.bodies import json_response, path_uuid
from web.http.errors import ApiError
from web.http.operations import QueryParam, operation
from web.http.services import services_of

routes = web.RouteTableDef()

_DAY = {"type": "string", "format": "date"}
_QUERY = (
    QueryParam("from", "first day of the report (YYYY-MM-DD), included", _DAY, required=True),
    QueryParam(
        "to", f"last day (YYYY-MM-DD), included; at most {MAX_DAYS} days in all", _DAY, True
    ),
    QueryParam("timezone", "IANA zone the days are in, e.g. Europe/Berlin (default UTC)"),
)
_COUNTED = (
    " Counted: the course's sessions starting in the window, held by now and not cancelled;"
    " each student's status in each is the sheet's (absent once closed without a row). rate ="
    " (present + late) / (present + late + absent + excused), null without any; unseen"
    " (sessions not closed yet, no status) is left out of it."
)


class StudentReport(BaseModel):
    person_id: UUID
    external_id: str
    display_name: str
    on_roster: bool = Field(description="false: taken off the roster, with rows in the window")
    sessions: int = Field(description="sessions of the window on the student's sheets")
    present: int
    late: int
    absent: int
    excused: int
    unseen: int = Field(description="sessions not closed yet without a status")
    rate: float | None = Field(description="(present + late) / sessions with a status")

    @classmethod
    def of(cls, line: ReportLine) -> StudentReport:
        return cls(
            person_id=line.person_id,
            external_id=line.external_id,
            display_name=line.display_name,
            on_roster=line.on_roster,
            sessions=line.sessions,
            present=line.present,
            late=line.late,
            absent=line.absent,
            excused=line.excused,
            unseen=line.unseen,
            rate=line.rate,
        )


class CourseReportOut(BaseModel):
    course: Course
    first_day: date
    last_day: date
    timezone: str
    sessions: int = Field(description="the course's sessions counted in the window")
    students: list[StudentReport] = Field(description="the roster by name, then the others")


async def _report(request: web.Request) -> tuple[Course, ReportWindow, CourseReport]:
    course_id = path_uuid(request, "course_id")
    try:
        window = report_window(
            request.query.get("from"), request.query.get("to"), request.query.get("timezone")
        )
    except ValueError as error:
        raise ApiError(422, "invalid", str(error)) from None
    database = services_of(request).database
    course = await database.courses.get(course_id)
    report = await database.attendance.course_report(
        course_id,
        starts_from=window.starts_from,
        starts_before=window.starts_before,
        at=datetime.now(UTC),
    )
    return course, window, report


@routes.get("/api/courses/{course_id}/report")
@operation(
    "Each student's present, late, absent and excused counts and rate over a window of days",
    auth="teacher",
    tag="stats",
    query=_QUERY,
    response=CourseReportOut,
    description="Days are whole days in `timezone`, both ends included." + _COUNTED,
)
async def course_report(request: web.Request) -> web.Response:
    course, window, report = await _report(request)
    out = CourseReportOut(
        course=course,
        first_day=window.first_day,
        last_day=window.last_day,
        timezone=window.zone.key,
        sessions=report.sessions,
        students=[StudentReport.of(line) for line in report.lines],
    )
    return json_response(out)


@routes.get("/api/courses/{course_id}/report.csv")
@operation(
    "The same report as CSV (cells that a spreadsheet would run are quoted)",
    auth="teacher",
    tag="stats",
    query=_QUERY,
    success_media="text/csv",
    description="Columns: external_id, display_name, on_roster, sessions, present, late, "
    "absent, excused, unseen, rate (four decimals, empty without one)." + _COUNTED,
)
async def course_report_csv(request: web.Request) -> web.Response:
    course, window, report = await _report(request)
    text = await services_of(request).run_cpu(report_csv, report)
    filename = f"report-{course.id}-{window.first_day}-{window.last_day}.csv"
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
