"""Composition root: aiohttp service, pages and the rollcall command line."""
