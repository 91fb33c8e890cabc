"""Prometheus metrics, open to the scraper without a token.

Counters and histograms are updated where things happen (the live runtime, the API); gauges
that describe a current state are sampled here, at scrape time, so they are never stale.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from web.http.operations import operation
from web.http.services import Services, services_of

routes = web.RouteTableDef()


def sample_gauges(services: Services) -> None:
    """Set the state gauges from the parts that hold the state."""
    metrics = services.metrics
    metrics.gallery_templates.set(len(services.gallery))
    live = services.live
    if live is None:
        return
    # only the cameras this process runs: every replica sums to each camera once
    for status in live.local_camera_statuses():
        camera = str(status.camera_id)
        metrics.camera_up.labels(camera).set(1.0 if status.state == "live" else 0.0)
        metrics.analysis_fps.labels(camera).set(status.analysis_fps)
    buffered = live.details().get("write_buffer_depth")
    if isinstance(buffered, int | float):
        metrics.db_buffered_writes.set(buffered)


@routes.get("/metrics")
@operation(
    "Prometheus metrics of this process",
    auth="public",
    tag="health",
    success_media="text/plain; version=0.0.4",
)
async def metrics(request: web.Request) -> web.Response:
    services = services_of(request)
    sample_gauges(services)
    body = generate_latest(services.metrics.registry)
    response = web.Response(body=body)
    # aiohttp refuses a charset inside content_type; the header is set whole instead.
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response
