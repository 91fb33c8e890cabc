"""Attendance of a class session: list, manual override, CSV export."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
