"""Class sessions: admins schedule and cancel them; teachers start and stop them.

A session moves scheduled -> open -> closed, or to cancelled before it closes. Repeating the
step a session is already in answers with the session unchanged, so a retried click is
harmless; a step back (reopening a closed session) is a 409. Stopping marks every roster
member who was never seen absent. The live runtime hears each change on the change feed.
"""

from __future__ import annotations

import logging
from datetime import date, time
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, Field, field_validator, model_validator

from store.database import Database
from store.errors import Conflict, NotFound
from store.sessions import ClassSession, SessionStatus
from web.domain.timetable import TimetableError, Weekday, weekly_slots
from web.domain.zones import known_zone
from web.http.auth import current_user
from web.http.bodies import (
    LIMIT_SCHEMA,
    OFFSET_SCHEMA,
    Body,
    Instant,
    json_response,
    page_params,
    path_uuid,
    query_instant,
    read_model,
)
from web.http.errors import ApiError
from web.http.operations import QueryParam, operation
from web.http.services import services_of

logger = logging.getLogger(__name__)

routes = web.RouteTableDef()

_UUID = {"type": "string", "format": "uuid"}
_INSTANT = {"type": "string", "format": "date-time"}
_LIST_QUERY = (
    QueryParam("course_id", "only this course's sessions", _UUID),
    QueryParam("room_id", "only the sessions in this room", _UUID),
    QueryParam("status", "scheduled, open, closed or cancelled"),
    QueryParam(
        "from", "sessions starting at or after this instant (ISO 8601, with zone)", _INSTANT
    ),
    QueryParam("to", "sessions starting before this instant (ISO 8601, with zone)", _INSTANT),
    QueryParam("limit", "page size (1..1000)", LIMIT_SCHEMA),
    QueryParam("offset", "items to skip", OFFSET_SCHEMA),
)

# The states each step may start from; the step's own target state is accepted as a repeat.
_STEPS: dict[SessionStatus, frozenset[SessionStatus]] = {
    SessionStatus.OPEN: frozenset({SessionStatus.SCHEDULED}),
    SessionStatus.CLOSED: frozenset({SessionStatus.OPEN}),
    SessionStatus.CANCELLED: frozenset({SessionStatus.SCHEDULED, SessionStatus.OPEN}),
}


class SessionSchedule(Body):
    course_id: UUID
    room_id: UUID
    scheduled_start: Instant
    scheduled_end: Instant
    grace_minutes: int = Field(default=10, ge=0, le=1440, strict=True)

    @model_validator(mode="after")
    def _ends_after_start(self) -> SessionSchedule:
        if self.scheduled_end <= self.scheduled_start:
            raise ValueError("scheduled_end must be after scheduled_start")
        return self


def _query_uuid(request: web.Request, name: str) -> UUID | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise ApiError(422, "invalid", f"query parameter {name} must be a UUID") from None


def _query_status(request: web.Request) -> SessionStatus | None:
    raw = request.query.get("status")
    if raw is None:
        return None
    try:
        return SessionStatus(raw)
    except ValueError:
        allowed = ", ".join(s.value for s in SessionStatus)
        raise ApiError(422, "invalid", f"query parameter status must be one of {allowed}") from None


@routes.get("/api/sessions")
@operation(
    "List class sessions, latest start first", auth="teacher", tag="sessions", query=_LIST_QUERY
)
async def list_sessions(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    starts_from = query_instant(request, "from")
    starts_before = query_instant(request, "to")
    if starts_from is not None and starts_before is not None and starts_before < starts_from:
        raise ApiError(422, "invalid", "query parameter to must not be before from")
    page = await services_of(request).database.sessions.list(
        course_id=_query_uuid(request, "course_id"),
        room_id=_query_uuid(request, "room_id"),
        status=_query_status(request),
        starts_from=starts_from,
        starts_before=starts_before,
        limit=limit,
        offset=offset,
    )
    return json_response(page)


async def _check_references(database: Database, course_id: UUID, room_id: UUID) -> None:
    """A body naming a course or room that does not exist is invalid (422), not missing."""
    for entity, lookup, entity_id in (
        ("course", database.courses.get, course_id),
        ("room", database.rooms.get, room_id),
    ):
        try:
            await lookup(entity_id)
        except NotFound:
            raise ApiError(
                422, "invalid_reference", f"{entity} {entity_id} does not exist"
            ) from None


@routes.post("/api/sessions")
@operation(
    "Schedule a class session of a course in a room",
    auth="admin",
    tag="sessions",
    body=SessionSchedule,
    success=201,
)
async def schedule_session(request: web.Request) -> web.Response:
    body = await read_model(request, SessionSchedule)
    database = services_of(request).database
    await _check_references(database, body.course_id, body.room_id)
    session = await database.sessions.create(
        course_id=body.course_id,
        room_id=body.room_id,
        scheduled_start=body.scheduled_start,
        scheduled_end=body.scheduled_end,
        grace_minutes=body.grace_minutes,
    )
    return json_response(session, status=201)


# Lessons are placed in their zone and then made absolute: days far enough from the ends of
# the calendar that every zone's offset still lands on a real date.
_FIRST_DAY = date(1970, 1, 1)
_LAST_DAY = date(9998, 12, 31)


class Timetable(Body):
    """Weekly lessons of a course in a room, e.g. Mondays and Wednesdays 09:00-09:50."""

    course_id: UUID
    room_id: UUID
    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        min_length=1, max_length=7
    )
    starts: time = Field(description="wall-clock time in `timezone`, e.g. 09:00")
    ends: time
    timezone: str = Field(max_length=64, description="IANA zone of the school, e.g. Europe/Berlin")
    first_day: date = Field(ge=_FIRST_DAY, le=_LAST_DAY)
    last_day: date = Field(ge=_FIRST_DAY, le=_LAST_DAY)
    grace_minutes: int = Field(default=10, ge=0, le=1440, strict=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        known_zone(name)
        return name


class TimetableCreated(BaseModel):
    created: int
    sessions: list[ClassSession]


@routes.post("/api/sessions/timetable")
@operation(
    "Schedule a course's weekly lessons between two days (all sessions or none)",
    auth="admin",
    tag="sessions",
    body=Timetable,
    response=TimetableCreated,
    success=201,
)
async def schedule_timetable(request: web.Request) -> web.Response:
    user = current_user(request)
    body = await read_model(request, Timetable)
    try:
        slots = weekly_slots(
            first_day=body.first_day,
            last_day=body.last_day,
            weekdays=frozenset(Weekday[day.upper()] for day in body.weekdays),
            starts=body.starts,
            ends=body.ends,
            zone=ZoneInfo(body.timezone),
        )
    except TimetableError as error:
        raise ApiError(422, "invalid_timetable", str(error)) from None
    database = services_of(request).database
    await _check_references(database, body.course_id, body.room_id)
    sessions = await database.sessions.create_many(
        course_id=body.course_id,
        room_id=body.room_id,
        slots=slots,
        grace_minutes=body.grace_minutes,
        actor=user.username,
    )
    return json_response({"created": len(sessions), "sessions": sessions}, status=201)


@routes.get("/api/sessions/{session_id}")
@operation("One class session", auth="teacher", tag="sessions")
async def get_session(request: web.Request) -> web.Response:
    session_id = path_uuid(request, "session_id")
    return json_response(await services_of(request).database.sessions.get(session_id))


async def _move(request: web.Request, target: SessionStatus) -> ClassSession:
    session_id = path_uuid(request, "session_id")
    database = services_of(request).database
    session = await database.sessions.get(session_id)
    if session.status is target:
        return session
    if session.status not in _STEPS[target]:
        raise ApiError(
            409,
            "invalid_transition",
            f"a {session.status.value} session cannot become {target.value}",
        )
    try:
        # Checked again by the write itself: a concurrent step may have moved it since.
        moved = await database.sessions.set_status(session_id, target, only_from=_STEPS[target])
    except Conflict as error:
        raise ApiError(409, "invalid_transition", str(error)) from None
    logger.info(
        "class session %s",
        target.value,
        extra={"session_id": str(session_id), "from_status": session.status.value},
    )
    return moved


@routes.post("/api/sessions/{session_id}/start")
@operation(
    "Open the session (allowed before its scheduled start); cameras in its room take"
    " attendance from then until its scheduled end",
    auth="teacher",
    tag="sessions",
)
async def start_session(request: web.Request) -> web.Response:
    return json_response(await _move(request, SessionStatus.OPEN))


@routes.post("/api/sessions/{session_id}/stop")
@operation(
    "Close the session; roster members never seen are marked absent",
    auth="teacher",
    tag="sessions",
)
async def stop_session(request: web.Request) -> web.Response:
    session = await _move(request, SessionStatus.CLOSED)
    # also on a repeated stop: people enrolled after the first one get their absent row too
    await services_of(request).database.attendance.mark_absentees(session.id)
    return json_response(session)


@routes.post("/api/sessions/{session_id}/cancel")
@operation("Cancel a session that has not closed", auth="admin", tag="sessions")
async def cancel_session(request: web.Request) -> web.Response:
    return json_response(await _move(request, SessionStatus.CANCELLED))
