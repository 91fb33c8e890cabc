"""Courses and their rosters. Teachers read, admins write.

A roster import (CSV of external ids) is all or nothing: every row is checked first and the
roster is changed in one transaction only when all of them name someone.
"""

from __future__ import annotations

from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from store.errors import InvalidReference, NotFound
from web.domain.roster_import import (
    RosterImportError,
    RosterRow,
    decode_csv,
    parse_roster_csv,
    resolve_people,
)
from web.http.auth import current_user
from web.http.bodies import (
    LIMIT_SCHEMA,
    OFFSET_SCHEMA,
    Body,
    BodyBudget,
    PlainText,
    json_response,
    multipart_parts,
    page_params,
    path_uuid,
    read_bytes,
    read_model,
    read_part,
)
from web.http.errors import ApiError
from web.http.operations import QueryParam, RateLimited, operation
from web.http.services import services_of

routes = web.RouteTableDef()

_PAGE_QUERY = (
    QueryParam("limit", "page size (1..1000)", LIMIT_SCHEMA),
    QueryParam("offset", "items to skip", OFFSET_SCHEMA),
)
MAX_ROSTER_CSV_BYTES = 2 * 1024 * 1024
_CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})


_RECOGNITION = (
    "face recognition in the course's sessions; false where biometrics are not allowed for its "
    "students: no camera frame of its sessions is analysed, everyone is marked by hand"
)


class CourseBody(Body):
    code: PlainText = Field(min_length=1, max_length=100)
    name: PlainText = Field(min_length=1, max_length=200)
    recognition: bool = Field(default=True, description=_RECOGNITION)


class CourseChange(Body):
    name: PlainText | None = Field(default=None, min_length=1, max_length=200)
    recognition: bool | None = Field(default=None, description=_RECOGNITION)


class RosterAddition(Body):
    person_ids: list[UUID] = Field(min_length=1, max_length=1000)


class RosterChange(BaseModel):
    added: int
    already_enrolled: int


class RosterImportResult(RosterChange):
    rows: int
    people: int


class RosterCsv(BaseModel):
    """A CSV file: one external id per row, or a header row naming an `external_id` column."""

    file: bytes = Field(description="the CSV, as text/csv or as the `file` part of a form")


@routes.get("/api/courses")
@operation("List courses by code", auth="teacher", tag="courses", query=_PAGE_QUERY)
async def list_courses(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    page = await services_of(request).database.courses.list(limit=limit, offset=offset)
    return json_response(page)


@routes.post("/api/courses")
@operation("Create a course", auth="admin", tag="courses", body=CourseBody, success=201)
async def create_course(request: web.Request) -> web.Response:
    body = await read_model(request, CourseBody)
    course = await services_of(request).database.courses.create(
        code=body.code, name=body.name, recognition=body.recognition
    )
    return json_response(course, status=201)


@routes.get("/api/courses/{course_id}")
@operation("One course", auth="teacher", tag="courses")
async def get_course(request: web.Request) -> web.Response:
    course_id = path_uuid(request, "course_id")
    return json_response(await services_of(request).database.courses.get(course_id))


@routes.patch("/api/courses/{course_id}")
@operation(
    "Rename a course, or turn face recognition off (or on) for its sessions",
    auth="admin",
    tag="courses",
    body=CourseChange,
    description="Audited. Turning recognition off stops every camera analysing the course's "
    "sessions at once, in every process; sessions, manual marks, the board and reports go on.",
)
async def change_course(request: web.Request) -> web.Response:
    user = current_user(request)
    course_id = path_uuid(request, "course_id")
    body = await read_model(request, CourseChange)
    course = await services_of(request).database.courses.update(
        course_id, name=body.name, recognition=body.recognition, actor=user.username
    )
    return json_response(course)


@routes.delete("/api/courses/{course_id}")
@operation(
    "Delete a course and its roster (refused while it has class sessions)",
    auth="admin",
    tag="courses",
    success=204,
    success_description="deleted",
)
async def delete_course(request: web.Request) -> web.Response:
    user = current_user(request)
    course_id = path_uuid(request, "course_id")
    database = services_of(request).database
    try:
        await database.courses.delete(course_id, actor=user.username)
    except InvalidReference:
        raise ApiError(
            409, "in_use", "the course still has class sessions; delete those first"
        ) from None
    return web.Response(status=204)


@routes.get("/api/courses/{course_id}/teachers")
@operation(
    "Who teaches the course (from a OneRoster bundle's teacher enrollments), by username",
    auth="teacher",
    tag="courses",
)
async def get_teachers(request: web.Request) -> web.Response:
    course_id = path_uuid(request, "course_id")
    database = services_of(request).database
    await database.courses.get(course_id)
    return json_response({"items": await database.courses.teachers(course_id)})


@routes.get("/api/courses/{course_id}/roster")
@operation("The course's roster: people, by name", auth="teacher", tag="courses", query=_PAGE_QUERY)
async def get_roster(request: web.Request) -> web.Response:
    course_id = path_uuid(request, "course_id")
    limit, offset = page_params(request)
    database = services_of(request).database
    await database.courses.get(course_id)
    return json_response(await database.courses.roster(course_id, limit=limit, offset=offset))


@routes.post("/api/courses/{course_id}/roster")
@operation(
    "Add people to the roster (those already on it stay); all or none",
    auth="admin",
    tag="courses",
    body=RosterAddition,
    response=RosterChange,
)
async def add_to_roster(request: web.Request) -> web.Response:
    user = current_user(request)
    course_id = path_uuid(request, "course_id")
    body = await read_model(request, RosterAddition)
    database = services_of(request).database
    await database.courses.get(course_id)
    wanted = list(dict.fromkeys(body.person_ids))
    unknown = []
    for person_id in wanted:
        try:
            await database.people.get(person_id)
        except NotFound:
            unknown.append(str(person_id))
    if unknown:
        raise ApiError(
            422,
            "unknown_people",
            f"{len(unknown)} of the person ids name nobody; nothing was added",
            details={"person_ids": unknown},
        )
    added = await database.courses.enrol(course_id, wanted, actor=user.username)
    return json_response(RosterChange(added=added, already_enrolled=len(wanted) - added))


@routes.delete("/api/courses/{course_id}/roster/{person_id}")
@operation(
    "Take a person off the roster",
    auth="admin",
    tag="courses",
    success=204,
    success_description="removed",
)
async def remove_from_roster(request: web.Request) -> web.Response:
    user = current_user(request)
    course_id = path_uuid(request, "course_id")
    person_id = path_uuid(request, "person_id")
    database = services_of(request).database
    await database.courses.get(course_id)
    await database.courses.unenrol(course_id, person_id, actor=user.username)
    return web.Response(status=204)


@routes.post("/api/courses/{course_id}/roster/import")
@operation(
    "Add the people a CSV of external ids names to the roster; any broken or unknown row"
    " refuses the whole file (422 listing each row and why)",
    auth="admin",
    tag="courses",
    body=RosterCsv,
    body_kind="csv",
    response=RosterImportResult,
    description="Send the file as text/csv, or as the `file` part of multipart/form-data."
    " Rate limited per user, with the other uploads.",
    rate_limit=RateLimited("upload", per="user", what="uploads"),
)
async def import_roster(request: web.Request) -> web.Response:
    user = current_user(request)
    course_id = path_uuid(request, "course_id")
    services = services_of(request)
    database = services.database
    await database.courses.get(course_id)
    data = await _read_csv_upload(request)
    try:
        # up to 2 MiB of rows: parsed on the executor so other requests are not held up
        rows = await services.run_cpu(_parse_roster, data)
        person_ids = await resolve_people(database.people, rows)
    except RosterImportError as error:
        raise ApiError(
            422,
            "invalid_roster",
            str(error),
            details={"rows": [{"line": p.line, "problem": p.problem} for p in error.problems]},
        ) from None
    added = await database.courses.import_roster(
        course_id, person_ids, rows=len(rows), actor=user.username
    )
    result = RosterImportResult(
        rows=len(rows),
        people=len(person_ids),
        added=added,
        already_enrolled=len(person_ids) - added,
    )
    return json_response(result)


def _parse_roster(data: bytes) -> tuple[RosterRow, ...]:
    return parse_roster_csv(decode_csv(data))


async def _read_csv_upload(request: web.Request) -> bytes:
    if request.content_type in _CSV_TYPES:
        data = await read_bytes(request)  # bounded by the application's client_max_size
    elif request.content_type == "multipart/form-data":
        data = await _csv_part(request)
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send the roster as text/csv, or as the 'file' part of multipart/form-data",
        )
    if len(data) > MAX_ROSTER_CSV_BYTES:
        raise ApiError(
            413, "payload_too_large", f"a roster file may hold at most {MAX_ROSTER_CSV_BYTES} bytes"
        )
    return data


async def _csv_part(request: web.Request) -> bytes:
    async for index, part in multipart_parts(request, what="the roster"):
        if part.name == "file":
            # a byte past the limit is enough to refuse the file
            budget = BodyBudget(services_of(request).settings.service.max_upload_bytes)
            return await read_part(part, index, MAX_ROSTER_CSV_BYTES, budget)
    raise ApiError(422, "invalid", "the form has no 'file' part holding the CSV")
