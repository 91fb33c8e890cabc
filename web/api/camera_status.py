"""Camera status: connection state, frame rates and errors, per camera.

Any process answers for every enabled camera: the ones it runs from its own runtime, the ones
another replica runs from that replica's latest report on the camera's lease (`holder` names
the process). A disabled camera is answered from the database, as stopped.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from aiohttp import web

from web.http.bodies import json_response, path_uuid, to_jsonable
from web.http.operations import operation
from web.http.services import Services, services_of

routes = web.RouteTableDef()


async def _not_running(services: Services, camera_id: UUID) -> dict[str, Any]:
    """A camera of the database that no camera task of this process reads (404 if none)."""
    camera = await services.database.cameras.get(camera_id)
    return {
        "camera_id": str(camera.id),
        "name": camera.name,
        "room_id": None if camera.room_id is None else str(camera.room_id),
        "kind": camera.kind.value,
        "state": "stopped",
        "analysis_fps": 0.0,
        "frames_received": 0,
        "frames_dropped": 0,
        "last_frame_age_s": None,
        "error": None if camera.enabled else "disabled",
        "session_id": None,
    }


@routes.get("/api/cameras/status")
@operation(
    "Live status of every enabled camera, whichever replica runs it", auth="teacher", tag="cameras"
)
async def all_statuses(request: web.Request) -> web.Response:
    live = services_of(request).live
    statuses = [] if live is None else live.camera_statuses()
    return json_response({"items": statuses})


@routes.get("/api/cameras/{camera_id}/status")
@operation(
    "Live status of one camera: state, frame rates, last error", auth="teacher", tag="cameras"
)
async def one_status(request: web.Request) -> web.Response:
    camera_id = path_uuid(request, "camera_id")
    services = services_of(request)
    status = None if services.live is None else services.live.camera_status(camera_id)
    if status is None:
        return web.json_response(await _not_running(services, camera_id))
    return web.json_response(to_jsonable(status))
