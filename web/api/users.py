"""Users of the service (admins and teachers): admins manage them.

`create_account` is shared with `rollcall user add`, which makes the first admin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

from aiohttp import web
from pydantic import Field, StringConstraints

from store.database import Database
from store.passwords import hash_password
from store.users import LastAdmin, Role, User
from web.http.auth import current_user
from web.http.bodies import (
    LIMIT_SCHEMA,
    OFFSET_SCHEMA,
    Body,
    PlainText,
    json_response,
    page_params,
    path_uuid,
    read_model,
)
from web.http.errors import ApiError
from web.http.operations import QueryParam, operation
from web.http.services import services_of

routes = web.RouteTableDef()

_TAG = "users"
MIN_PASSWORD_CHARS = 10
# run_cpu(function, *args) -> its result, off the event loop (Services.run_cpu, to_thread)
CpuRunner = Callable[..., Awaitable[Any]]

# Passwords are taken exactly as typed: spaces at either end are part of them.
NewPassword = Annotated[
    str, StringConstraints(strip_whitespace=False, min_length=MIN_PASSWORD_CHARS, max_length=1024)
]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@-]{1,100}$")]


class NewUser(Body):
    username: Username = Field(description="letters, digits and . _ @ - (1..100)")
    password: NewPassword = Field(repr=False)
    role: Role
    display_name: PlainText = Field(default="", max_length=200)


class UserChange(Body):
    role: Role | None = None
    active: bool | None = None
    display_name: PlainText | None = Field(default=None, max_length=200)


class PasswordReset(Body):
    password: NewPassword = Field(repr=False)


async def create_account(
    database: Database, new_user: NewUser, run_cpu: CpuRunner, *, actor: str
) -> User:
    """Hash the password (argon2 is slow on purpose: off the event loop) and add the user;
    store Conflict when the username is taken."""
    password_hash = await run_cpu(hash_password, new_user.password)
    return await database.users.create(
        username=new_user.username,
        password_hash=password_hash,
        role=new_user.role,
        display_name=new_user.display_name,
        actor=actor,
    )


@routes.get("/api/users")
@operation(
    "List users, by username",
    auth="admin",
    tag=_TAG,
    query=(
        QueryParam("limit", "page size, 1..1000", LIMIT_SCHEMA),
        QueryParam("offset", "items to skip", OFFSET_SCHEMA),
    ),
)
async def list_users(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    return json_response(await services_of(request).database.users.list(limit=limit, offset=offset))


@routes.post("/api/users")
@operation("Add a user (admin or teacher)", auth="admin", tag=_TAG, body=NewUser, success=201)
async def create_user(request: web.Request) -> web.Response:
    actor = current_user(request)
    body = await read_model(request, NewUser)
    services = services_of(request)
    user = await create_account(services.database, body, services.run_cpu, actor=actor.username)
    return json_response(user, status=201)


@routes.get("/api/users/{user_id}")
@operation("A user", auth="admin", tag=_TAG)
async def get_user(request: web.Request) -> web.Response:
    user_id = path_uuid(request, "user_id")
    return json_response(await services_of(request).database.users.get(user_id))


@routes.post("/api/users/{user_id}/deactivate")
@operation(
    "Deactivate a user: they can no longer sign in and their sessions end",
    auth="admin",
    tag=_TAG,
    description="Refused (409) for the last active admin, so the service is never locked.",
)
async def deactivate_user(request: web.Request) -> web.Response:
    actor = current_user(request)
    user_id = path_uuid(request, "user_id")
    user = await _change(request, actor, user_id, UserChange(active=False))
    return json_response(user)


@routes.patch("/api/users/{user_id}")
@operation(
    "Change a user's role, active state or display name (what is given; the rest stays)",
    auth="admin",
    tag=_TAG,
    body=UserChange,
    description=(
        "Deactivating ends the user's sessions. Refused (409) when it would leave no active"
        " admin, so the service is never locked."
    ),
)
async def change_user(request: web.Request) -> web.Response:
    actor = current_user(request)
    user_id = path_uuid(request, "user_id")
    change = await read_model(request, UserChange)
    return json_response(await _change(request, actor, user_id, change))


async def _change(request: web.Request, actor: User, user_id: UUID, change: UserChange) -> User:
    """Apply the change unless it takes away the last active admin."""
    try:
        return await services_of(request).database.users.update(
            user_id,
            role=change.role,
            active=change.active,
            display_name=change.display_name,
            actor=actor.username,
        )
    except LastAdmin as refusal:
        raise ApiError(409, "last_admin", str(refusal)) from None


@routes.put("/api/users/{user_id}/password")
@operation(
    "Set a user's password; every session of theirs ends",
    auth="admin",
    tag=_TAG,
    body=PasswordReset,
    success=204,
    success_description="password changed",
)
async def reset_password(request: web.Request) -> web.Response:
    actor = current_user(request)
    user_id = path_uuid(request, "user_id")
    body = await read_model(request, PasswordReset)
    services = services_of(request)
    password_hash = await services.run_cpu(hash_password, body.password)
    await services.database.users.set_password_hash(user_id, password_hash, actor=actor.username)
    return web.Response(status=204)
