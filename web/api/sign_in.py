"""Signing in and out: bearer tokens for API clients, an HttpOnly cookie for the pages."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
