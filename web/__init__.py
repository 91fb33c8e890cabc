"""Composition root: the aiohttp service, its pages and the `rollcall` command line.

Floors, top down: `cli` and `commands` (the command line); `process` (one running service:
database, models, cameras, HTTP); `app` (the aiohttp application); `api` (resources) and `pages`
beside it; `http` (plumbing: auth, operations, bodies, errors, OpenAPI, services); `live` (cameras
to attendance) and `demo`; `evaluation` (measuring the presence path); `domain` (school-facing
services); `settings` and `telemetry` at the bottom.
"""
