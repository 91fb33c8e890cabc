"""Prometheus metrics, open to the scraper without a token."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
