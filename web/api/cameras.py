"""Cameras: RTSP cameras and browser cameras with their own token."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
