"""The API's own description (OpenAPI 3.1); the page that reads it is `/api/docs` in
web/pages (a page for people, not an operation)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from web.http.openapi import build_spec
from web.http.operations import operation

routes = web.RouteTableDef()


def _version() -> str:
    try:
        return version("rollcall")
    except PackageNotFoundError:
        return "0+unknown"


@routes.get("/api/openapi.json")
@operation(
    "This document: every route, who may call it, its body and responses",
    auth="teacher",
    tag="docs",
)
async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(build_spec(request.app, "Rollcall", _version()))
