"""Rostering from the school's system: a OneRoster 1.1 CSV bundle in, attendance keyed by its
sourcedIds out.

The import is all or nothing: every row of the five files is checked first, and any problem
answers 422 listing each (file, line, problem) with nothing changed; a clean bundle is written
in one transaction. Importing the same bundle again changes nothing.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from web.domain.oneroster_bundle import BundleInvalid
from web.domain.oneroster_export import (
    NotFromOneRoster,
    TooManySessions,
    session_export,
    term_export,
)
from web.domain.oneroster_files import files_from_zip
from web.domain.oneroster_import import import_bundle
from web.http.auth import current_user
from web.http.bodies import (
    BodyBudget,
    json_response,
    multipart_parts,
    path_uuid,
    query_instant,
    read_bytes,
    read_part,
)
from web.http.errors import ApiError
from web.http.operations import QueryParam, RateLimited, operation
from web.http.services import services_of

routes = web.RouteTableDef()

_TAG = "rostering"
MAX_BUNDLE_ZIP_BYTES = 16 * 1024 * 1024
MAX_LISTED_PROBLEMS = 1000  # a bundle broken throughout is answered with its first ones
_ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})
_INSTANT = {"type": "string", "format": "date-time"}


class BundleUpload(BaseModel):
    """A zip of the bundle's CSV files (orgs, courses, classes, users, enrollments)."""

    file: bytes = Field(description="the zip, as application/zip or the `file` part of a form")


class OneRosterImportResult(BaseModel):
    rows: dict[str, int] = Field(description="rows read per file")
    skipped_users: int = Field(description="users of other roles than student and teacher")
    skipped_enrollments: int = Field(description="of other roles, or of a deleted user or class")
    students_created: int
    students_updated: int
    students_deactivated: int = Field(description="dropped from the bundle, or disabled")
    teachers_created: int = Field(description="with no password: an admin sets one")
    teachers_updated: int
    teachers_deactivated: int
    classes_created: int
    classes_updated: int
    enrollments_added: int
    enrollments_removed: int
    teaching_added: int
    teaching_removed: int


def _problem_details(error: BundleInvalid) -> dict[str, object]:
    listed = error.problems[:MAX_LISTED_PROBLEMS]
    return {
        "rows": [{"file": p.file, "line": p.line, "problem": p.problem} for p in listed],
        "problems": len(error.problems),
    }


@routes.post("/api/imports/oneroster")
@operation(
    "Import a OneRoster 1.1 CSV bundle (a zip): students, teachers, classes and enrollments;"
    " any broken row refuses the whole bundle (422 listing each file, line and problem)",
    auth="admin",
    tag=_TAG,
    body=BundleUpload,
    body_kind="multipart",
    response=OneRosterImportResult,
    description="Send the zip as application/zip, or as the `file` part of"
    " multipart/form-data. The bundle is the whole roster: people and teachers an earlier"
    " bundle brought in and this one leaves out are deactivated, enrollments it leaves out are"
    " removed from its classes. sourcedIds are the external ids. Rate limited per user, with"
    " the other uploads.",
    rate_limit=RateLimited("upload", per="user", what="uploads"),
)
async def import_oneroster(request: web.Request) -> web.Response:
    user = current_user(request)
    services = services_of(request)
    data = await _read_zip_upload(request)
    try:
        files = await services.run_cpu(files_from_zip, data)
        summary = await import_bundle(
            services.database, files, actor=user.username, run_cpu=services.run_cpu
        )
    except BundleInvalid as error:
        raise ApiError(422, "invalid_bundle", str(error), details=_problem_details(error)) from None
    return json_response(OneRosterImportResult(**summary.as_dict()))


async def _read_zip_upload(request: web.Request) -> bytes:
    limit = min(MAX_BUNDLE_ZIP_BYTES, services_of(request).settings.service.max_upload_bytes)
    if request.content_type in _ZIP_TYPES:
        data = await read_bytes(request)  # bounded by the application's client_max_size
    elif request.content_type == "multipart/form-data":
        data = await _zip_part(request, limit)
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send the bundle as application/zip, or as the 'file' part of multipart/form-data",
        )
    if len(data) > limit:
        raise ApiError(413, "payload_too_large", f"a bundle may be at most {limit:,} bytes")
    return data


async def _zip_part(request: web.Request, limit: int) -> bytes:
    async for index, part in multipart_parts(request, what="the bundle"):
        if part.name == "file":
            budget = BodyBudget(services_of(request).settings.service.max_upload_bytes)
            return await read_part(part, index, limit, budget)
    raise ApiError(422, "invalid", "the form has no 'file' part holding the zip")


def _csv_response(text: str, filename: str) -> web.Response:
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@routes.get("/api/sessions/{session_id}/attendance-oneroster.csv")
@operation(
    "The session's attendance keyed by OneRoster sourcedIds (classSourcedId, userSourcedId)",
    auth="teacher",
    tag=_TAG,
    success_media="text/csv",
    description="409 for a session of a course that came from no OneRoster bundle.",
)
async def export_session(request: web.Request) -> web.Response:
    session_id = path_uuid(request, "session_id")
    database = services_of(request).database
    session = await database.sessions.get(session_id)
    try:
        text = await session_export(database, session)
    except NotFromOneRoster as error:
        raise ApiError(409, "not_from_oneroster", str(error)) from None
    return _csv_response(text, f"attendance-oneroster-{session.id}.csv")


@routes.get("/api/courses/{course_id}/attendance-oneroster.csv")
@operation(
    "A term of the course's attendance keyed by OneRoster sourcedIds: every session starting"
    " in [from, to), earliest first (cancelled ones left out)",
    auth="teacher",
    tag=_TAG,
    success_media="text/csv",
    query=(
        QueryParam(
            "from",
            "sessions starting at or after this instant (ISO 8601, with zone)",
            _INSTANT,
            required=True,
        ),
        QueryParam(
            "to",
            "sessions starting before this instant (ISO 8601, with zone)",
            _INSTANT,
            required=True,
        ),
    ),
    description="409 for a course that came from no OneRoster bundle.",
)
async def export_term(request: web.Request) -> web.Response:
    course_id = path_uuid(request, "course_id")
    starts_from, starts_before = query_instant(request, "from"), query_instant(request, "to")
    if starts_from is None or starts_before is None:
        raise ApiError(422, "invalid", "give the term as ?from=...&to=... (ISO 8601 instants)")
    if starts_before <= starts_from:
        raise ApiError(422, "invalid", "query parameter to must be after from")
    database = services_of(request).database
    course = await database.courses.get(course_id)
    try:
        text = await term_export(database, course, starts_from, starts_before)
    except NotFromOneRoster as error:
        raise ApiError(409, "not_from_oneroster", str(error)) from None
    except TooManySessions as error:
        raise ApiError(422, "too_many_sessions", str(error)) from None
    day = starts_from.date().isoformat()
    return _csv_response(text, f"attendance-oneroster-{course.id}-{day}.csv")
