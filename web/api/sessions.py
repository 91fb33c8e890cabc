"""Class sessions: schedule, start, stop."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
