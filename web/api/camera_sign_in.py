"""Signing a browser camera in: the classroom laptop's camera page trades the camera's token
for an HttpOnly cookie, so the token never sits in a URL or where a script could read it.

The cookie then opens the camera page and that camera's WebRTC offer, nothing else. A wrong
token, a replaced one and a disabled camera's get the same answer.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from uuid import UUID

from aiohttp import web
from pydantic import Field, StringConstraints

from store.cameras import Camera, CameraKind
from store.errors import NotFound
from web.http.auth import (
    CAMERA_COOKIE,
    CameraCookie,
    refuse_cross_site,
    served_over_https,
    signed_in_camera,
)
from web.http.bodies import Body, json_response, read_model
from web.http.errors import ApiError
from web.http.operations import RateLimited, operation
from web.http.services import Services, services_of

routes = web.RouteTableDef()

_TAG = "sign-in"
# The token is the credential and lasts until an admin replaces it; the cookie only keeps a
# laptop left in the classroom signed in across its restarts.
COOKIE_LIFETIME = timedelta(days=180)


class CameraLogin(Body):
    token: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        repr=False, description="the camera's access token, shown once when it was created"
    )


@dataclass(frozen=True)
class SignedInCamera:
    camera_id: UUID
    name: str
    room_id: UUID | None
    room_name: str | None


async def _described(services: Services, camera: Camera) -> SignedInCamera:
    room_name = None
    if camera.room_id is not None:
        with contextlib.suppress(NotFound):  # removed meanwhile: shown without a room
            room_name = (await services.database.rooms.get(camera.room_id)).name
    return SignedInCamera(camera.id, camera.name, camera.room_id, room_name)


@routes.post("/api/auth/camera")
@operation(
    "Sign a browser camera in with its token: the camera page's HttpOnly cookie",
    auth="public",
    tag=_TAG,
    body=CameraLogin,
    description="Rate limited per client address like user sign-in (429 with Retry-After). "
    "An unknown, replaced or disabled camera's token is a 401; a camera that reads a URL "
    "(it streams no browser video) is a 409.",
    rate_limit=RateLimited("login", per="address", what="sign-in attempts"),
)
async def camera_login(request: web.Request) -> web.Response:
    services = services_of(request)
    body = await read_model(request, CameraLogin)
    camera = await services.database.cameras.with_token(body.token)
    if camera is None:
        raise ApiError(401, "camera_sign_in_failed", "this camera token is not valid")
    if camera.kind is not CameraKind.WEBRTC:
        raise ApiError(
            409, "not_a_browser_camera", "this camera reads a URL; a browser cannot stream it"
        )
    response = json_response({"camera": await _described(services, camera)})
    response.set_cookie(
        CAMERA_COOKIE,
        CameraCookie(camera.id, body.token).value,
        max_age=int(COOKIE_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=served_over_https(request),
    )
    return response


@routes.get("/api/auth/camera")
@operation(
    "The camera the camera page's cookie signs in, or null (none, or no longer valid)",
    auth="public",
    tag=_TAG,
    description="The camera page asks this first: a null camera sends it to the camera's "
    "sign-in (or, for a signed-in admin, to picking a camera).",
)
async def signed_in(request: web.Request) -> web.Response:
    services = services_of(request)
    try:
        camera_id = await signed_in_camera(request)
        camera = await services.database.cameras.get(camera_id)
    except (ApiError, NotFound):
        return json_response({"camera": None})
    return json_response({"camera": await _described(services, camera)})


@routes.post("/api/auth/camera/logout")
@operation(
    "Sign the camera page out: its cookie is cleared (the camera's token stays valid)",
    auth="public",
    tag=_TAG,
    success=204,
    success_description="signed out",
)
async def camera_logout(request: web.Request) -> web.Response:
    refuse_cross_site(request)  # another site's page may not sign the camera out
    response = web.Response(status=204)
    response.del_cookie(CAMERA_COOKIE, path="/")
    return response
