"""Health: liveness, readiness and details, open to probes without a token.

Liveness says only that the process answers (a restart will not fix a database outage, so the
database stays out of it). Readiness says whether this process should get traffic: the
database answers, its schema is the one this code expects, the models are loaded and the live
runtime has loaded its cameras and gallery. Nothing here reveals a URL, a token or a password.
"""

from __future__ import annotations

import asyncio
import logging
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from aiohttp import web

from store.migrations import MigrationStatus
from web.http.bodies import json_response
from web.http.operations import operation
from web.http.services import Services, services_of

logger = logging.getLogger(__name__)

routes = web.RouteTableDef()

# A probe must answer before the orchestrator's own timeout (usually 1-5 s), even when the
# database hangs rather than refusing.
_CHECK_TIMEOUT_S = 3.0


async def _migration_status(services: Services) -> MigrationStatus | None:
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_S):
            return await services.database.migration_status()
    except Exception as error:  # a probe reports any failure to read it as "not ready"
        logger.warning("migration status unreadable: %s", type(error).__name__)
        return None


async def _database_reachable(services: Services) -> bool:
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_S):
            return await services.database.ping()
    except TimeoutError:
        return False


async def readiness_checks(services: Services) -> dict[str, bool]:
    """Each condition of readiness by name; ready when all are true."""
    reachable, status = await asyncio.gather(
        _database_reachable(services), _migration_status(services)
    )
    checks = {
        "database": reachable,
        "migrations_current": status is not None and status.up_to_date,
        "models_loaded": services.analyzer.embedding_dim > 0,
    }
    if services.live is not None:
        checks.update(services.live.readiness())
    return checks


def _version() -> str:
    try:
        return version("rollcall")
    except PackageNotFoundError:
        return "0+unknown"


@routes.get("/health/live")
@operation("The process is up and serving requests", auth="public", tag="health")
async def live(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/health/ready")
@operation(
    "Ready for traffic: database, schema, models and live runtime (503 otherwise)",
    auth="public",
    tag="health",
    success_description="ready; 503 with the same body when not",
)
async def ready(request: web.Request) -> web.Response:
    checks = await readiness_checks(services_of(request))
    is_ready = all(checks.values())
    return web.json_response(
        {"status": "ready" if is_ready else "not_ready", "checks": checks},
        status=200 if is_ready else 503,
    )


@routes.get("/health")
@operation(
    "Details: versions, uptime, schema, models and live figures", auth="public", tag="health"
)
async def details(request: web.Request) -> web.Response:
    services = services_of(request)
    checks, status = await asyncio.gather(readiness_checks(services), _migration_status(services))
    analyzer = services.analyzer
    body: dict[str, Any] = {
        "status": "ready" if all(checks.values()) else "not_ready",
        "version": _version(),
        "uptime_s": round(asyncio.get_running_loop().time() - services.started_at, 1),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "checks": checks,
        "database": {
            "embedded": services.settings.store.embedded,
            "schema_version": None if status is None else status.current_version,
            "latest_schema_version": None if status is None else status.latest_version,
        },
        "models": {
            "pack": analyzer.pack_name,
            "providers": analyzer.providers,
            "embedding_dim": analyzer.embedding_dim,
        },
        "gallery_templates": len(services.gallery),
        "live": None if services.live is None else services.live.details(),
    }
    return json_response(body)
