"""Users of the service (admins and teachers): admins manage them."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
