"""Signing in and out: bearer tokens for API clients, an HttpOnly cookie for the pages.

A failed sign-in says the same for an unknown user as for a wrong password, and takes about
as long (an unknown user's attempt is checked against a stand-in hash), so neither the answer
nor its timing tells which usernames exist. An account with no password yet (a teacher a
roster import made) is refused the same way, after the same stand-in check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from aiohttp import web
from pydantic import Field, StringConstraints

from store.errors import NotFound
from store.passwords import usable_password_hash, verify_password
from store.users import User
from web.http.auth import (
    SESSION_COOKIE,
    bearer_token,
    current_user,
    served_over_https,
)
from web.http.bodies import Body, json_response, read_model
from web.http.errors import ApiError
from web.http.operations import RateLimited, operation
from web.http.services import services_of

routes = web.RouteTableDef()

_TAG = "sign-in"
# An argon2id hash of a password nobody has, with today's default parameters: an unknown
# username is verified against it so it costs the same time as a wrong password.
_STAND_IN_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$3kcwMTBHJJ4e3fwYlqOJOw"
    "$bh8J75iI0EFKsGDDPVco4U+qfY7wkcWBZACeg1DeqpA"
)


class Login(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    # taken exactly as typed (no stripping); the length cap bounds the argon2 work
    password: Annotated[
        str, StringConstraints(strip_whitespace=False, min_length=1, max_length=1024)
    ] = Field(repr=False)


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_at: datetime
    user: User


@routes.post("/api/auth/login")
@operation(
    "Sign in with username and password: a bearer token, also set as an HttpOnly cookie",
    auth="public",
    tag=_TAG,
    body=Login,
    description="Rate limited per client address and per username (429 with Retry-After).",
    rate_limit=RateLimited("login", per="address", what="sign-in attempts"),
)
async def login(request: web.Request) -> web.Response:
    services = services_of(request)
    body = await read_model(request, Login)
    services.limits.login.check(f"username:{body.username.casefold()}", "sign-in attempts")
    try:
        credentials = await services.database.users.credentials(body.username)
    except NotFound:
        await services.run_cpu(verify_password, _STAND_IN_HASH, body.password)
        raise _refused() from None
    if not usable_password_hash(credentials.password_hash):
        await services.run_cpu(verify_password, _STAND_IN_HASH, body.password)
        raise _refused()
    if not await services.run_cpu(verify_password, credentials.password_hash, body.password):
        raise _refused()
    ttl = timedelta(hours=services.settings.service.token_ttl_hours)
    expires_at = datetime.now(UTC) + ttl
    token = await services.database.users.issue_token(credentials.user.id, ttl)
    response = json_response(SignedIn(token, expires_at, credentials.user))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=served_over_https(request),
    )
    return response


def _refused() -> ApiError:
    return ApiError(401, "sign_in_failed", "unknown username or wrong password")


@routes.post("/api/auth/logout")
@operation(
    "Sign out: the token (bearer or cookie) stops working and the cookie is cleared",
    auth="teacher",
    tag=_TAG,
    success=204,
    success_description="signed out",
)
async def logout(request: web.Request) -> web.Response:
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    if token:
        await services_of(request).database.users.revoke_token(token)
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/api/auth/me")
@operation("The signed-in user", auth="teacher", tag=_TAG)
async def me(request: web.Request) -> web.Response:
    return json_response(current_user(request))
