"""The aiohttp application: middleware, then every resource's routes.

`build_app(services)` is all a test needs to serve the API over real parts; the process-level
composition (opening the database, loading models, starting cameras) is `web.process`.
"""

from __future__ import annotations

from aiohttp import web

from web.api import (
    attendance,
    camera_sign_in,
    camera_status,
    cameras,
    courses,
    docs,
    enrolment,
    health,
    metrics,
    people,
    rooms,
    sessions,
    sign_in,
    signalling,
    stats,
    unknown_faces,
    users,
    websocket,
)
from web.http.errors import error_middleware
from web.http.request_id import add_request_id_header, request_id_middleware
from web.http.services import SERVICES, Services
from web.pages.routes import page_routes

RESOURCES = (
    sign_in,
    camera_sign_in,
    users,
    people,
    enrolment,
    courses,
    rooms,
    cameras,
    camera_status,
    sessions,
    attendance,
    unknown_faces,
    stats,
    signalling,
    websocket,
    health,
    metrics,
    docs,
)


def build_app(services: Services) -> web.Application:
    app = web.Application(
        middlewares=[request_id_middleware, error_middleware],
        client_max_size=services.settings.service.max_upload_bytes,
    )
    app[SERVICES] = services
    app.on_response_prepare.append(add_request_id_header)
    for module in RESOURCES:
        app.router.add_routes(module.routes)
    app.router.add_routes(page_routes())
    return app
