"""Attendance of one class session: the sheet, a teacher's override, and its CSV export.

The sheet (`web.domain.sheet`, the rule the snapshot and the board share) lists every roster
member, 'unseen' while they have no row and the session is not closed, then anyone else with
a row in the session (taken off the roster since, or erased with attendance kept). A
teacher's override is final for that session: the store keeps it over later sightings and
audits it under the teacher's username.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from store.attendance import AttendanceStatus
from store.database import Database
from store.sessions import ClassSession, SessionStatus
from web.domain.csv_export import csv_text
from web.domain.sheet import LineStatus, SheetLine, read_sheet
from web.http.auth import current_user
from web.http.bodies import Body, json_response, path_uuid, read_model
from web.http.errors import ApiError
from web.http.operations import operation
from web.http.services import services_of

routes = web.RouteTableDef()


CSV_COLUMNS = (
    "external_id",
    "display_name",
    "status",
    "manual",
    "first_seen",
    "last_seen",
    "sightings",
    "on_roster",
)


class AttendanceLine(BaseModel):
    person_id: UUID | None = Field(description="None once the person was erased")
    external_id: str | None
    display_name: str | None
    on_roster: bool
    status: LineStatus = Field(
        description="the row's status; with no row, 'unseen' until the session is closed, "
        "then 'absent'"
    )
    recorded: bool = Field(description="false: no row yet (never seen, no decision)")
    manual: bool
    first_seen: datetime | None
    last_seen: datetime | None
    sightings: int
    best_score: float | None
    camera_id: UUID | None


class AttendanceSheet(BaseModel):
    session: ClassSession
    items: list[AttendanceLine]
    counts: dict[str, int] = Field(description="lines per status, and 'enrolled'")


class Override(Body):
    status: Literal["present", "absent", "excused"]
    note: str | None = Field(default=None, max_length=500)


def _line(line: SheetLine) -> AttendanceLine:
    person, record = line.person, line.record
    return AttendanceLine(
        person_id=line.person_id,
        external_id=person.external_id if person else None,
        display_name=person.display_name if person else None,
        on_roster=line.on_roster,
        status=line.status,
        recorded=record is not None,
        manual=record.manual if record else False,
        first_seen=record.first_seen if record else None,
        last_seen=record.last_seen if record else None,
        sightings=record.sightings if record else 0,
        best_score=record.best_score if record else None,
        camera_id=record.camera_id if record else None,
    )


async def attendance_sheet(database: Database, session: ClassSession) -> AttendanceSheet:
    """The roster by name, then anyone else with a row in the session; counts of each."""
    sheet = await read_sheet(database, session)
    return AttendanceSheet(
        session=session, items=[_line(line) for line in sheet.lines], counts=sheet.counts()
    )


@routes.get("/api/sessions/{session_id}/attendance")
@operation(
    "Every roster member's attendance in the session ('unseen' until seen or closed), with counts",
    auth="teacher",
    tag="attendance",
    response=AttendanceSheet,
)
async def get_attendance(request: web.Request) -> web.Response:
    session_id = path_uuid(request, "session_id")
    database = services_of(request).database
    session = await database.sessions.get(session_id)
    return json_response(await attendance_sheet(database, session))


@routes.put("/api/sessions/{session_id}/attendance/{person_id}")
@operation(
    "Set a roster member's status by hand (audited; later sightings do not change it)",
    auth="teacher",
    tag="attendance",
    body=Override,
)
async def override_attendance(request: web.Request) -> web.Response:
    user = current_user(request)
    session_id = path_uuid(request, "session_id")
    person_id = path_uuid(request, "person_id")
    body = await read_model(request, Override)
    database = services_of(request).database
    session = await database.sessions.get(session_id)
    await database.people.get(person_id)
    if session.status is SessionStatus.CANCELLED:
        raise ApiError(
            409, "session_cancelled", "the session was cancelled: it takes no attendance"
        )
    if not await database.courses.is_enrolled(session.course_id, person_id):
        raise ApiError(422, "not_on_roster", "the person is not on this course's roster")
    record = await database.attendance.set_status(
        session_id, person_id, AttendanceStatus(body.status), actor=user.username, reason=body.note
    )
    return json_response(record)


@routes.get("/api/sessions/{session_id}/attendance.csv")
@operation(
    "The session's attendance sheet as CSV (cells that a spreadsheet would run are quoted)",
    auth="teacher",
    tag="attendance",
    success_media="text/csv",
)
async def export_attendance(request: web.Request) -> web.Response:
    session_id = path_uuid(request, "session_id")
    database = services_of(request).database
    session = await database.sessions.get(session_id)
    sheet = await attendance_sheet(database, session)
    text = csv_text(
        CSV_COLUMNS,
        (
            (
                line.external_id,
                line.display_name,
                line.status,
                line.manual,
                line.first_seen,
                line.last_seen,
                line.sightings,
                line.on_roster,
            )
            for line in sheet.items
        ),
    )
    filename = f"attendance-{session.scheduled_start.date().isoformat()}-{session.id}.csv"
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
