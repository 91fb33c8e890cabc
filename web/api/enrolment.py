"""Enrolment: face templates from uploaded photos, camera snapshots and bulk CSV imports."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
