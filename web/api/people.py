"""People (students): create, read, update, list, erase; record and withdraw their consent to
face recognition. Admins write, teachers read."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from store.database import Database
from store.pagination import read_every_page
from store.people import Erasure, Person
from web.http.auth import current_user
from web.http.bodies import (
    LIMIT_SCHEMA,
    OFFSET_SCHEMA,
    Body,
    Instant,
    PlainText,
    json_response,
    page_params,
    path_uuid,
    read_model,
    to_jsonable,
)
from web.http.errors import ApiError
from web.http.operations import QueryParam, operation
from web.http.services import services_of

routes = web.RouteTableDef()

_TAG = "people"
_MAX_SEARCH = 200


class NewPerson(Body):
    external_id: PlainText = Field(
        min_length=1, max_length=200, description="e.g. a student number"
    )
    display_name: PlainText = Field(min_length=1, max_length=200)
    consent_at: Instant | None = Field(
        default=None, description="when the person consented to face recognition"
    )
    active: bool = True


class PersonChange(Body):
    display_name: PlainText | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None
    consent_at: Instant | None = None


class ConsentRecord(Body):
    consent_at: Instant | None = Field(
        default=None,
        description="when the person consented (not in the future); now when left out. A "
        "consent already recorded keeps its time",
    )

    @field_validator("consent_at")
    @classmethod
    def _not_ahead(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC):
            raise ValueError("a consent cannot be given in the future")
        return value


class WithdrawnConsent(BaseModel):
    person_id: UUID
    consent_at: None = Field(description="no consent is recorded any more")
    templates_deleted: int = Field(description="face templates erased with the consent")


def person_detail(person: Person, template_count: int) -> dict[str, object]:
    """A person as listed, plus how many face templates they have."""
    return {**to_jsonable(person), "template_count": template_count}


async def count_templates(database: Database, person_id: UUID) -> int:
    """Templates of one person, page by page (the store has no count; people have few)."""
    return len(await read_every_page(partial(database.templates.list_for_person, person_id)))


def _active_filter(request: web.Request) -> bool | None:
    raw = request.query.get("active")
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise ApiError(422, "invalid", "query parameter active must be true or false")
    return raw == "true"


@routes.get("/api/people")
@operation(
    "List people, by display name; ?q= searches name and external id",
    auth="teacher",
    tag=_TAG,
    query=(
        QueryParam("q", "part of the display name or external id, case-insensitive"),
        QueryParam("active", "true or false", {"type": "boolean"}),
        QueryParam("limit", "page size, 1..1000", LIMIT_SCHEMA),
        QueryParam("offset", "items to skip", OFFSET_SCHEMA),
    ),
)
async def list_people(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    search = request.query.get("q", "").strip() or None
    if search is not None and len(search) > _MAX_SEARCH:
        raise ApiError(422, "invalid", f"query parameter q must be at most {_MAX_SEARCH} chars")
    page = await services_of(request).database.people.list(
        active=_active_filter(request), search=search, limit=limit, offset=offset
    )
    return json_response(page)


@routes.post("/api/people")
@operation("Add a person", auth="admin", tag=_TAG, body=NewPerson, success=201)
async def create_person(request: web.Request) -> web.Response:
    user = current_user(request)
    body = await read_model(request, NewPerson)
    person = await services_of(request).database.people.create(
        external_id=body.external_id,
        display_name=body.display_name,
        consent_at=body.consent_at,
        active=body.active,
        actor=user.username,
    )
    return json_response(person_detail(person, 0), status=201)


@routes.get("/api/people/{person_id}")
@operation("A person, with how many face templates they have", auth="teacher", tag=_TAG)
async def get_person(request: web.Request) -> web.Response:
    person_id = path_uuid(request, "person_id")
    database = services_of(request).database
    person = await database.people.get(person_id)
    return json_response(person_detail(person, await count_templates(database, person_id)))


@routes.patch("/api/people/{person_id}")
@operation(
    "Change a person's name, consent or active flag (inactive people are not recognised)",
    auth="admin",
    tag=_TAG,
    body=PersonChange,
)
async def change_person(request: web.Request) -> web.Response:
    person_id = path_uuid(request, "person_id")
    body = await read_model(request, PersonChange)
    database = services_of(request).database
    person = await database.people.update(
        person_id, display_name=body.display_name, active=body.active, consent_at=body.consent_at
    )
    return json_response(person_detail(person, await count_templates(database, person_id)))


@routes.delete("/api/people/{person_id}")
@operation(
    "Erase a person: their face data everywhere, and their attendance per the store setting",
    auth="admin",
    tag=_TAG,
    description="Audited. Every process's gallery drops the person through the change feed.",
)
async def erase_person(request: web.Request) -> web.Response:
    user = current_user(request)
    person_id = path_uuid(request, "person_id")
    erasure: Erasure = await services_of(request).database.people.erase(
        person_id, actor=user.username
    )
    return json_response(erasure)


@routes.post("/api/people/{person_id}/consent")
@operation(
    "Record the person's consent to face recognition (they may then be enrolled)",
    auth="admin",
    tag=_TAG,
    body=ConsentRecord,
    description="Audited. Under ROLLCALL_PRIVACY__CONSENT=recorded (the default) nobody without "
    "a recorded consent is enrolled: photo uploads, snapshots and imports answer 409 no_consent.",
)
async def record_consent(request: web.Request) -> web.Response:
    user = current_user(request)
    person_id = path_uuid(request, "person_id")
    body = await read_model(request, ConsentRecord)
    database = services_of(request).database
    person = await database.people.record_consent(
        person_id, at=body.consent_at, actor=user.username
    )
    return json_response(person_detail(person, await count_templates(database, person_id)))


@routes.delete("/api/people/{person_id}/consent")
@operation(
    "Withdraw the person's consent: their face data is erased at once, everywhere",
    auth="admin",
    tag=_TAG,
    response=WithdrawnConsent,
    description="In one audited transaction the consent is cleared and every face template "
    "of the person deleted; every process's gallery drops them through the change feed, as "
    "an erasure does. The person, their rosters and attendance stay: they are marked by hand.",
)
async def withdraw_consent(request: web.Request) -> web.Response:
    user = current_user(request)
    person_id = path_uuid(request, "person_id")
    withdrawal = await services_of(request).database.people.withdraw_consent(
        person_id, actor=user.username
    )
    return json_response(
        WithdrawnConsent(
            person_id=person_id, consent_at=None, templates_deleted=withdrawal.templates_deleted
        )
    )
