"""Enrolment: face templates from uploaded photos, camera snapshots and bulk CSV imports.

Multipart bodies are read part by part (`web.http.bodies`, which turns a broken body into a
400) with the limits enforced while reading (aiohttp's client_max_size covers only bodies read
whole): past the request limit the upload stops with 413; a part over the per-photo limit is
kept only as far as needed to refuse it.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import BodyPartReader, web
from pydantic import BaseModel, Field

from store.users import User
from web.domain.enrolment import Enroller, Photo, PhotoRefusal, PhotoRules, PhotosRefused
from web.domain.people_import import (
    MAX_ROWS,
    ImportFormatError,
    ImportResult,
    PeopleImport,
    RowProblem,
    parse_people_csv,
    rows_with_photos,
)
from web.http.auth import current_user
from web.http.bodies import (
    BodyBudget,
    json_response,
    multipart_parts,
    path_uuid,
    read_bytes,
    read_part,
)
from web.http.errors import ApiError
from web.http.operations import RateLimited, operation
from web.http.services import Services, services_of

routes = web.RouteTableDef()

_TAG = "enrolment"
_SNAPSHOT_TYPES = frozenset({"image/jpeg", "image/png"})
_MAX_CSV_BYTES = 4 * 1024 * 1024


class PhotosUpload(BaseModel):
    """multipart/form-data: one part per photo (the OpenAPI document's description)."""

    photo: list[bytes] = Field(description="JPEG/PNG/WebP/BMP photos, each of one person")


class SnapshotUpload(BaseModel):
    """multipart/form-data with one part, or the raw image as an image/jpeg|png body."""

    snapshot: bytes = Field(description="one camera frame, JPEG or PNG")


class PeopleImportUpload(BaseModel):
    """multipart/form-data: the CSV, then the photos it names, each part named by its file."""

    csv: bytes = Field(description="external_id,display_name[,photo][,course] with a header")
    photos: list[bytes] = Field(
        default_factory=list, description="parts whose file names the CSV's photo column gives"
    )


def enroller_of(services: Services) -> Enroller:
    rules = PhotoRules(keep_portraits=services.settings.service.board_photos)
    return Enroller(services.database, services.analyzer, services.run_cpu, rules)


def _part_name(part: BodyPartReader, index: int) -> str:
    return part.filename or part.name or f"photo-{index}"


async def _read_photos(request: web.Request, enroller: Enroller) -> list[Photo]:
    services = services_of(request)
    most = services.settings.service.max_photos_per_upload
    budget = BodyBudget(services.settings.service.max_upload_bytes)
    photos: list[Photo] = []
    async for index, part in multipart_parts(request, what="the photos"):
        if len(photos) == most:
            raise ApiError(422, "too_many_photos", f"send at most {most} photos per upload")
        data = await read_part(part, index, enroller.rules.max_photo_bytes, budget)
        photos.append(Photo(_part_name(part, index), data))
    if not photos:
        raise ApiError(422, "no_photos", f"send 1 to {most} photos as multipart parts")
    return photos


def _refusal_details(refusals: Sequence[PhotoRefusal]) -> list[dict[str, object]]:
    return [
        {
            "index": refusal.index,
            "filename": refusal.filename,
            "reason": refusal.reason.value,
            "message": refusal.message,
            **(
                {"quality_reasons": list(refusal.quality_reasons)}
                if refusal.quality_reasons
                else {}
            ),
        }
        for refusal in refusals
    ]


async def _enrol(
    request: web.Request, user: User, photos: Sequence[Photo], source: str
) -> web.Response:
    services = services_of(request)
    person_id = path_uuid(request, "person_id")
    await services.database.people.get(person_id)  # 404 before any model work
    enroller = enroller_of(services)
    try:
        templates = await enroller.enrol(person_id, photos, source=source, actor=user.username)
    except PhotosRefused as refused:
        count = len(refused.refusals)
        raise ApiError(
            422,
            "photo_refused",
            f"{count} of {len(photos)} photo(s) cannot be enrolled (each needs exactly one "
            "usable face); nothing was enrolled",
            _refusal_details(refused.refusals),
        ) from None
    return json_response({"person_id": person_id, "templates": templates}, status=201)


@routes.post("/api/people/{person_id}/photos")
@operation(
    "Enrol a person from 1..max_photos_per_upload photos (multipart, one part per photo)",
    auth="admin",
    tag=_TAG,
    body=PhotosUpload,
    body_kind="multipart",
    success=201,
    description="Each photo must hold exactly one usable face; otherwise 422 lists every "
    "refused photo (index, filename, reason) and nothing is enrolled. Rate limited per user.",
    rate_limit=RateLimited("upload", per="user", what="uploads"),
)
async def upload_photos(request: web.Request) -> web.Response:
    user = current_user(request)
    photos = await _read_photos(request, enroller_of(services_of(request)))
    return await _enrol(request, user, photos, "upload")


@routes.post("/api/people/{person_id}/snapshot")
@operation(
    "Enrol a person from one camera snapshot: a raw image/jpeg or image/png body, or one "
    "multipart part",
    auth="admin",
    tag=_TAG,
    body=SnapshotUpload,
    body_kind="multipart",
    success=201,
    rate_limit=RateLimited("upload", per="user", what="uploads"),
)
async def upload_snapshot(request: web.Request) -> web.Response:
    user = current_user(request)
    enroller = enroller_of(services_of(request))
    if request.content_type in _SNAPSHOT_TYPES:
        photo = Photo("snapshot", await read_bytes(request))
    elif request.content_type.startswith("multipart/"):
        photos = await _read_photos(request, enroller)
        if len(photos) != 1:
            raise ApiError(422, "one_snapshot", "send exactly one snapshot")
        photo = photos[0]
    else:
        raise ApiError(
            415, "unsupported_media_type", "send the snapshot as image/jpeg, image/png or multipart"
        )
    return await _enrol(request, user, [photo], "snapshot")


def _is_csv(part: BodyPartReader) -> bool:
    content_type = part.headers.get("Content-Type", "")
    return (
        part.name == "csv"
        or content_type.startswith("text/csv")
        or (part.filename or "").lower().endswith(".csv")
    )


def _problem_details(problems: Sequence[RowProblem]) -> list[dict[str, object]]:
    return [
        {
            key: value
            for key, value in {
                "row": problem.row,
                "external_id": problem.external_id,
                "reason": problem.reason,
                "message": problem.message,
                "photo": problem.photo,
                "quality_reasons": list(problem.quality_reasons) or None,
            }.items()
            if value is not None
        }
        for problem in problems
    ]


def _import_summary(result: ImportResult) -> dict[str, object]:
    return {
        "created": len(result.people),
        "templates": result.templates,
        "people": result.people,
    }


@routes.post("/api/people/import")
@operation(
    "Add many people from a CSV (external_id,display_name[,photo][,course]) and their photos",
    auth="admin",
    tag=_TAG,
    body=PeopleImportUpload,
    body_kind="multipart",
    success=201,
    description="Multipart: a part named 'csv' (or text/csv, or a .csv file) and one part per "
    "photo named by the file name the CSV gives. Every row is checked first; any broken row "
    "gives 422 listing row numbers and reasons, and nothing is written.",
    rate_limit=RateLimited("upload", per="user", what="uploads"),
)
async def import_people(request: web.Request) -> web.Response:
    user = current_user(request)
    services = services_of(request)
    enroller = enroller_of(services)
    budget = BodyBudget(services.settings.service.max_upload_bytes)
    csv_text: str | None = None
    photos: dict[str, Photo] = {}
    async for index, part in multipart_parts(request, what="the CSV and photos"):
        if csv_text is None and _is_csv(part):
            raw = await read_part(part, index, _MAX_CSV_BYTES, budget)
            if len(raw) > _MAX_CSV_BYTES:
                raise ApiError(413, "payload_too_large", "the CSV is over 4 MiB: split it")
            try:
                csv_text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ApiError(422, "invalid_csv", "the CSV must be UTF-8 text") from None
            continue
        if len(photos) == MAX_ROWS:
            # empty parts cost no body bytes, so the byte budget alone would not bound them
            raise ApiError(422, "too_many_photos", f"send at most {MAX_ROWS:,} photos, one a row")
        name = _part_name(part, len(photos) + 1)
        budget.spend(len(name))
        if name in photos:
            raise ApiError(422, "duplicate_photo", f"two photos are named {name!r}")
        data = await read_part(part, index, enroller.rules.max_photo_bytes, budget)
        photos[name] = Photo(name, data)
    if csv_text is None:
        raise ApiError(422, "no_csv", "send the CSV as a part named 'csv'")
    try:
        # up to 4 MiB of rows: parsed on the executor so other requests are not held up
        csv_rows, problems = await services.run_cpu(parse_people_csv, csv_text)
    except ImportFormatError as error:
        raise ApiError(422, "invalid_csv", str(error)) from None
    rows, missing = rows_with_photos(csv_rows, photos.get)
    importer = PeopleImport(services.database, enroller)
    plan = await importer.plan(rows)
    problems = sorted([*problems, *missing, *plan.problems], key=lambda problem: problem.row)
    if problems:
        raise ApiError(
            422,
            "import_refused",
            f"{len({p.row for p in problems})} row(s) cannot be imported; nothing was written",
            _problem_details(problems),
        )
    if not plan.accepted:
        raise ApiError(422, "no_rows", "the CSV has no rows")
    result = await importer.write(plan.accepted, actor=user.username)
    return json_response(_import_summary(result), status=201)
