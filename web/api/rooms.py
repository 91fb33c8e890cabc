"""Rooms: where cameras hang and class sessions take place."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
