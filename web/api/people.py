"""People (students): create, read, update, list, erase."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
