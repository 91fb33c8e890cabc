"""WebRTC signalling: a browser camera's offer in, the service's answer out."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
