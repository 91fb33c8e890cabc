"""Rooms: where class sessions take place and cameras hang. Teachers read, admins write."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from store.errors import InvalidReference
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

_PAGE_QUERY = (
    QueryParam("limit", "page size (1..1000)", LIMIT_SCHEMA),
    QueryParam("offset", "items to skip", OFFSET_SCHEMA),
)


class RoomBody(Body):
    name: PlainText = Field(min_length=1, max_length=200)


@routes.get("/api/rooms")
@operation("List rooms by name", auth="teacher", tag="rooms", query=_PAGE_QUERY)
async def list_rooms(request: web.Request) -> web.Response:
    limit, offset = page_params(request)
    page = await services_of(request).database.rooms.list(limit=limit, offset=offset)
    return json_response(page)


@routes.post("/api/rooms")
@operation("Create a room", auth="admin", tag="rooms", body=RoomBody, success=201)
async def create_room(request: web.Request) -> web.Response:
    body = await read_model(request, RoomBody)
    room = await services_of(request).database.rooms.create(body.name)
    return json_response(room, status=201)


@routes.get("/api/rooms/{room_id}")
@operation("One room", auth="teacher", tag="rooms")
async def get_room(request: web.Request) -> web.Response:
    room_id = path_uuid(request, "room_id")
    return json_response(await services_of(request).database.rooms.get(room_id))


@routes.patch("/api/rooms/{room_id}")
@operation("Rename a room", auth="admin", tag="rooms", body=RoomBody)
async def rename_room(request: web.Request) -> web.Response:
    room_id = path_uuid(request, "room_id")
    body = await read_model(request, RoomBody)
    return json_response(await services_of(request).database.rooms.rename(room_id, body.name))


@routes.delete("/api/rooms/{room_id}")
@operation(
    "Delete a room (refused while class sessions take place in it; its cameras stay, roomless)",
    auth="admin",
    tag="rooms",
    success=204,
    success_description="deleted",
)
async def delete_room(request: web.Request) -> web.Response:
    user = current_user(request)
    room_id = path_uuid(request, "room_id")
    try:
        await services_of(request).database.rooms.delete(room_id, actor=user.username)
    except InvalidReference:
        raise ApiError(
            409, "in_use", "the room still has class sessions; delete or move them first"
        ) from None
    return web.Response(status=204)
