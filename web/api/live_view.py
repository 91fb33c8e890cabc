"""A camera's live view: the frames its analysis takes, at a low rate, as small JPEGs with the
face boxes and names found in each, streamed from the process that runs the camera.

`GET /api/cameras/{camera_id}/live` answers `application/x-ndjson`: one `PreviewMessage` per
line (a blank line now and then while none comes, so both ends notice a dead connection), for
up to `STREAM_S` seconds; then it ends and the page asks again, so a camera that moved to
another replica meanwhile is followed there. Previews are made only while a stream is open.

Replicas: only the camera's holder (its lease, `web.live.camera_ownership`) has its frames. A
request reaching another replica is relayed from the holder's advertised address
(`service.advertise_url`, kept beside its lease heartbeat) with the caller's own token, which
the holder checks again; the relay passes bytes through as they come and keeps nothing. A
holder that advertises no address cannot be reached, and the request is refused (503).

Who may watch: `web.api.camera_watchers`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING
from uuid import UUID

import aiohttp
from aiohttp import web

from web.api.camera_watchers import TEACHER_RULE, may_watch
from web.http.auth import current_user, user_token
from web.http.bodies import path_uuid
from web.http.errors import ApiError
from web.http.operations import operation
from web.http.request_id import request_id_of
from web.http.services import services_of
from web.live.messages import PreviewMessage

if TYPE_CHECKING:
    from web.live.runtime import LiveRuntime

logger = logging.getLogger(__name__)

routes = web.RouteTableDef()

STREAM_S = 60.0  # one stream's length; the page asks again at its end
QUIET_S = 2.0  # with no preview for this long a blank line goes out
RELAY_CONNECT_S = 3.0
RELAY_READ_S = 10.0  # the holder writes at least a blank line every QUIET_S
RELAYED_HEADER = "X-Rollcall-Relayed"  # a relayed request is answered, never relayed again
MEDIA_TYPE = "application/x-ndjson"
STREAM_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Accel-Buffering": "no",  # an nginx in front passes each line on at once
}
_RELAYS: web.AppKey[set[asyncio.Task[object]]] = web.AppKey("live_view_relays", set)


@routes.get("/api/cameras/{camera_id}/live")
@operation(
    "A camera's live view: small JPEG frames with the face boxes and names found in them",
    auth="teacher",
    tag="cameras",
    response=PreviewMessage,
    success_media=MEDIA_TYPE,
    success_description="one preview per line (blank lines keep the stream alive)",
    description=f"A stream of up to {STREAM_S:g} s, then ask again. Admins may watch any "
    "camera; teachers a camera whose room has a class session now. Frames come at most "
    "twice a second, at most 640 px wide, and only while someone watches; nothing is stored.",
)
async def live_view(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    live = services.live
    if live is None:
        raise ApiError(503, "live_unavailable", "this process runs no cameras")
    camera_id = path_uuid(request, "camera_id")
    status = live.camera_status(camera_id)
    if status is None:
        await services.database.cameras.get(camera_id)  # 404 for no such camera
        raise ApiError(409, "camera_disabled", "the camera is disabled")
    if not await may_watch(services, current_user(request), status.room_id):
        raise ApiError(403, "forbidden", TEACHER_RULE)
    if live.runs_camera(camera_id):
        return await _stream_here(request, live, camera_id)
    if RELAYED_HEADER in request.headers:
        raise ApiError(409, "camera_moved", "the camera is not run here any more; ask again")
    if status.holder is None or status.holder == live.holder:
        # between two holders, or claimed here and not started yet
        raise ApiError(
            503,
            "camera_starting",
            "no replica runs the camera at the moment; ask again shortly",
            headers={"Retry-After": "2"},
        )
    address = live.address_of(status.holder)
    if address is None:
        raise ApiError(
            503,
            "camera_unreachable",
            f"the camera runs on another replica ({status.holder}) that advertises no address "
            "to relay its live view from: set ROLLCALL_SERVICE__ADVERTISE_URL on every replica",
        )
    return await _relay(request, f"{address}/api/cameras/{camera_id}/live")


async def _stream_here(
    request: web.Request, live: LiveRuntime, camera_id: UUID
) -> web.StreamResponse:
    response = web.StreamResponse(headers=STREAM_HEADERS)
    response.content_type = MEDIA_TYPE
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_S
    with live.views.watch(camera_id) as viewer:
        while not viewer.closed and live.runs_camera(camera_id):
            left = deadline - loop.time()
            if left <= 0:
                break
            preview = await viewer.next(min(left, QUIET_S))
            try:
                await response.write(b"\n" if preview is None else preview.ndjson_line)
            except ConnectionError:
                return response  # the viewer went away
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


async def _relay(request: web.Request, url: str) -> web.StreamResponse:
    """The holder's answer passed through: its stream line by line as it comes, or its
    refusal as it is."""
    token = user_token(request)
    assert token is not None  # the access middleware signed a user in with it
    headers = {
        "Authorization": f"Bearer {token}",
        RELAYED_HEADER: "1",
        "X-Request-ID": request_id_of(request),
    }
    timeout = aiohttp.ClientTimeout(
        total=STREAM_S + RELAY_READ_S, sock_connect=RELAY_CONNECT_S, sock_read=RELAY_READ_S
    )
    response: web.StreamResponse | None = None
    relays: set[asyncio.Task[object]] = request.app.get(_RELAYS, set())
    task = asyncio.current_task()
    if task is not None:
        relays.add(task)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as client,
            client.get(url, headers=headers, allow_redirects=False) as upstream,
        ):
            if upstream.status != 200:
                return web.Response(
                    status=upstream.status,
                    body=await upstream.read(),
                    content_type=upstream.content_type,
                    headers={"Cache-Control": "no-store"},
                )
            response = web.StreamResponse(headers=STREAM_HEADERS)
            response.content_type = MEDIA_TYPE
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
    except ConnectionError:
        return response or web.Response(status=400)  # the viewer went away
    except (aiohttp.ClientError, TimeoutError) as error:
        if response is None:
            raise ApiError(
                502,
                "camera_unreachable",
                f"the replica that runs the camera did not answer: {error}",
            ) from None
        logger.info("live view relay ended: %s", error or type(error).__name__)
    finally:
        if task is not None:
            relays.discard(task)
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


def track_live_views(app: web.Application, live: LiveRuntime) -> None:
    """End every live view when the server shuts down (else each would hold the shutdown for
    the rest of its stream); the composition root calls this before the app starts."""
    app[_RELAYS] = set()

    async def end_all(app: web.Application) -> None:
        live.views.end_viewers()
        relays: set[asyncio.Task[object]] = app[_RELAYS]
        for relay in list(relays):
            relay.cancel()

    app.on_shutdown.append(end_all)
