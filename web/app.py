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
    live_view,
    metrics,
    oneroster,
    people,
    portraits,
    reports,
    rooms,
    sessions,
    sign_in,
    signalling,
    stats,
    unknown_faces,
    users,
    websocket,
)
from web.http.auth import access_middleware
from web.http.errors import error_middleware
from web.http.operations import operation_of
from web.http.request_id import add_request_id_header, request_id_middleware
from web.http.services import SERVICES, Services
from web.pages.routes import page_routes

RESOURCES = (
    sign_in,
    camera_sign_in,
    users,
    people,
    portraits,
    enrolment,
    courses,
    oneroster,
    rooms,
    cameras,
    camera_status,
    live_view,
    sessions,
    attendance,
    unknown_faces,
    stats,
    reports,
    signalling,
    websocket,
    health,
    metrics,
    docs,
)


class UndeclaredRoute(RuntimeError):
    """A resource route without an operation: nobody would enforce or document who may call
    it, so the app refuses to start rather than serve it."""


def _declared(routes: web.RouteTableDef) -> web.RouteTableDef:
    for route in routes:
        handler = getattr(route, "handler", None)
        if handler is not None and operation_of(handler) is None:
            raise UndeclaredRoute(f"{route}: add @operation(...) to {handler.__qualname__}")
    return routes


def build_app(services: Services) -> web.Application:
    app = web.Application(
        # request ids first (every error carries one), errors next (access refusals are
        # errors too), then access, which must run before any handler reads a body
        middlewares=[request_id_middleware, error_middleware, access_middleware],
        client_max_size=services.settings.service.max_upload_bytes,
    )
    app[SERVICES] = services
    app.on_response_prepare.append(add_request_id_header)
    for module in RESOURCES:
        app.router.add_routes(_declared(module.routes))
    app.router.add_routes(page_routes())
    return app
