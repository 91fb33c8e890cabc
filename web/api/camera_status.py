"""Camera status: connection state, frame rates and errors, per camera."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
