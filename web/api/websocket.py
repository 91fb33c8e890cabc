"""The live event stream at /ws: current state of a session, then every change."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
