"""Attendance rates per course and per person."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
