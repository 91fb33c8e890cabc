"""Health: liveness, readiness and details, open to probes without a token."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
