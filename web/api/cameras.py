"""Cameras: an RTSP (or HTTP) source, or a browser camera publishing with its own token.

Admins manage cameras, teachers read them. A camera URL's password never leaves the server:
responses show the URL redacted, and a refused URL is described by the streamer's parser,
whose messages are redacted too. A browser camera's token is shown once, when it is made or
rotated; the store keeps only its hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field, StrictBool, model_validator

from store.cameras import Camera, CameraKind
from store.errors import InvalidValue, NotFound
from store.pagination import Page
from streamer.errors import InvalidCameraUrl
from streamer.url import NETWORK_SCHEMES, parse_camera_url
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

_LIST_QUERY = (
    QueryParam("room_id", "only the cameras of this room", {"type": "string", "format": "uuid"}),
    QueryParam("enabled", "only enabled (true) or disabled (false) cameras", {"type": "boolean"}),
    QueryParam("limit", "page size (1..1000)", LIMIT_SCHEMA),
    QueryParam("offset", "items to skip", OFFSET_SCHEMA),
)


class NewCameraBody(Body):
    name: PlainText = Field(min_length=1, max_length=200)
    room_id: UUID | None = None
    kind: Literal["rtsp", "webrtc"]
    url: str | None = Field(
        default=None,
        max_length=2048,
        repr=False,
        description="rtsp://user:password@host/path (rtsp)",
    )
    enabled: StrictBool = True

    @model_validator(mode="after")
    def _url_matches_kind(self) -> NewCameraBody:
        if self.kind == "rtsp" and not self.url:
            raise ValueError("an rtsp camera needs a url")
        if self.kind == "webrtc" and self.url is not None:
            raise ValueError("a webrtc camera publishes from a browser and takes no url")
        return self


class CameraChange(Body):
    """Only the fields sent change; `"room_id": null` takes the camera out of its room."""

    enabled: StrictBool | None = None
    name: PlainText | None = Field(default=None, min_length=1, max_length=200)
    room_id: UUID | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> CameraChange:
        if not self.model_fields_set:
            raise ValueError("send at least one of enabled, name, room_id")
        return self


class CameraView(BaseModel):
    """A camera as clients see it: the URL with its password replaced by ***."""

    id: UUID
    room_id: UUID | None
    name: str
    kind: CameraKind
    url: str | None
    enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, camera: Camera) -> CameraView:
        return cls(
            id=camera.id,
            room_id=camera.room_id,
            name=camera.name,
            kind=camera.kind,
            url=camera.redacted_url,
            enabled=camera.enabled,
            created_at=camera.created_at,
        )


class CreatedCamera(CameraView):
    access_token: str | None = Field(
        default=None, repr=False, description="a browser camera's token: shown this once only"
    )


class CameraToken(BaseModel):
    camera_id: UUID
    access_token: str = Field(repr=False)


def _checked_url(raw: str) -> str:
    """The URL if the streamer can open it over the network; 422 (redacted) otherwise."""
    try:
        url = parse_camera_url(raw)
    except InvalidCameraUrl as error:
        raise ApiError(422, "invalid_camera_url", str(error)) from None
    if url.scheme not in NETWORK_SCHEMES:
        # a path on this server is for the demo and tests, configured locally, not over the API
        schemes = ", ".join(sorted(NETWORK_SCHEMES))
        raise ApiError(
            422, "invalid_camera_url", f"an rtsp camera needs a network URL ({schemes}): {url}"
        )
    return url.raw


def _query_room(request: web.Request) -> UUID | None:
    raw = request.query.get("room_id")
    if raw is None:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise ApiError(422, "invalid", "query parameter room_id must be a UUID") from None


def _query_enabled(request: web.Request) -> bool | None:
    raw = request.query.get("enabled")
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise ApiError(422, "invalid", "query parameter enabled must be true or false")
    return raw.lower() == "true"


@routes.get("/api/cameras")
@operation("List cameras by name", auth="teacher", tag="cameras", query=_LIST_QUERY)
async def list_cameras(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    page = await services_of(request).database.cameras.list(
        room_id=_query_room(request), enabled=_query_enabled(request), limit=limit, offset=offset
    )
    views = tuple(CameraView.of(camera) for camera in page.items)
    return json_response(Page(views, page.limit, page.offset, page.has_more))


@routes.post("/api/cameras")
@operation(
    "Add a camera: {kind: rtsp, url} or {kind: webrtc} (the response carries the browser"
    " camera's token, this once)",
    auth="admin",
    tag="cameras",
    body=NewCameraBody,
    response=CreatedCamera,
    success=201,
)
async def create_camera(request: web.Request) -> web.Response:
    user = current_user(request)
    body = await read_model(request, NewCameraBody)
    url = _checked_url(body.url) if body.kind == "rtsp" and body.url else None
    database = services_of(request).database
    if body.room_id is not None:
        try:
            await database.rooms.get(body.room_id)
        except NotFound:
            raise ApiError(
                422, "invalid_reference", f"room {body.room_id} does not exist"
            ) from None
    try:
        created = await database.cameras.create(
            name=body.name,
            kind=CameraKind(body.kind),
            url=url,
            room_id=body.room_id,
            enabled=body.enabled,
            actor=user.username,
        )
    except InvalidValue:
        # the database's own message quotes the refused row, URL password included
        raise ApiError(422, "invalid", "the camera was refused: check its name and URL") from None
    token = created.access_token if created.camera.kind is CameraKind.WEBRTC else None
    view = CreatedCamera(**CameraView.of(created.camera).model_dump(), access_token=token)
    return json_response(view, status=201)


@routes.get("/api/cameras/{camera_id}")
@operation("One camera", auth="teacher", tag="cameras", response=CameraView)
async def get_camera(request: web.Request) -> web.Response:
    camera_id = path_uuid(request, "camera_id")
    return json_response(CameraView.of(await services_of(request).database.cameras.get(camera_id)))


@routes.patch("/api/cameras/{camera_id}")
@operation(
    "Rename a camera, move it to another room, or enable/disable it (a disabled camera is not"
    " read and its token opens nothing)",
    auth="admin",
    tag="cameras",
    body=CameraChange,
    response=CameraView,
)
async def change_camera(request: web.Request) -> web.Response:
    user = current_user(request)
    camera_id = path_uuid(request, "camera_id")
    body = await read_model(request, CameraChange)
    camera = await services_of(request).database.cameras.update(
        camera_id,
        name=body.name,
        room_id=body.room_id,
        clear_room="room_id" in body.model_fields_set and body.room_id is None,
        enabled=body.enabled,
        actor=user.username,
    )
    return json_response(CameraView.of(camera))


@routes.post("/api/cameras/{camera_id}/token")
@operation(
    "Give a browser camera a new token (the old one stops working at once); shown this once",
    auth="admin",
    tag="cameras",
    response=CameraToken,
)
async def rotate_camera_token(request: web.Request) -> web.Response:
    user = current_user(request)
    camera_id = path_uuid(request, "camera_id")
    database = services_of(request).database
    camera = await database.cameras.get(camera_id)
    if camera.kind is not CameraKind.WEBRTC:
        raise ApiError(409, "not_a_browser_camera", "only a browser (webrtc) camera has a token")
    token = await database.cameras.rotate_token(camera_id, actor=user.username)
    return json_response(CameraToken(camera_id=camera_id, access_token=token))


@routes.delete("/api/cameras/{camera_id}")
@operation(
    "Delete a camera (its attendance rows stay, no longer naming it)",
    auth="admin",
    tag="cameras",
    success=204,
    success_description="deleted",
)
async def delete_camera(request: web.Request) -> web.Response:
    user = current_user(request)
    camera_id = path_uuid(request, "camera_id")
    await services_of(request).database.cameras.delete(camera_id, actor=user.username)
    return web.Response(status=204)
