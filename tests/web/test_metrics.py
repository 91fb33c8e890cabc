"""Prometheus metrics: open to the scraper, named as dashboards expect."""

from __future__ import annotations

import bisect
import itertools

from aiohttp.test_utils import TestClient

from web.http.services import Services
from web.telemetry.metrics import Metrics

ISSUE_METRICS = (
    "rollcall_frames_received_total",
    "rollcall_frames_analyzed_total",
    "rollcall_frames_dropped_total",
    "rollcall_frames_skipped_total",
    "rollcall_inference_seconds",
    "rollcall_faces_detected_total",
    "rollcall_identifications_total",
    "rollcall_attendance_events_total",
    "rollcall_event_latency_seconds",
    "rollcall_websocket_clients",
    "rollcall_db_write_seconds",
    "rollcall_db_buffered_writes",
    "rollcall_camera_up",
)


async def test_metrics_are_served_without_a_token_in_prometheus_text(api: TestClient) -> None:
    response = await api.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    for name in ISSUE_METRICS:
        assert f"# HELP {name} " in text, name


async def test_what_the_service_counted_is_what_the_scraper_reads(
    api: TestClient, services: Services
) -> None:
    services.metrics.frames_analyzed.labels(camera="cam-1").inc(3)
    services.metrics.identifications.labels(result="matched").inc()
    text = await (await api.get("/metrics")).text()
    assert 'rollcall_frames_analyzed_total{camera="cam-1"} 3.0' in text
    assert 'rollcall_identifications_total{result="matched"} 1.0' in text
    assert "rollcall_gallery_templates 0.0" in text


def bucket_bounds(metrics: Metrics, name: str) -> list[float]:
    """The finite upper bounds of a histogram's buckets, as the scraper sees them."""
    for family in metrics.registry.collect():
        if family.name == name:
            bounds = {float(s.labels["le"]) for s in family.samples if s.name == f"{name}_bucket"}
            return sorted(b for b in bounds if b != float("inf"))
    raise AssertionError(f"{name} has no buckets")


def test_event_latency_buckets_run_from_10_ms_to_10_s() -> None:
    metrics = Metrics()
    metrics.event_latency.observe(0.05)  # unlabelled: the series exists once observed
    bounds = bucket_bounds(metrics, "rollcall_event_latency_seconds")

    assert bounds[0] == 0.01 and bounds[-1] == 10.0
    assert all(b / a <= 2.5 for a, b in itertools.pairwise(bounds))  # no blind stretch
    # what it measures (0.03-0.16 s) spreads over several buckets, not all in the first one
    assert len({bisect.bisect_left(bounds, v) for v in (0.03, 0.06, 0.09, 0.12, 0.16)}) >= 4


def test_every_histogram_sees_its_measured_range() -> None:
    metrics = Metrics()
    metrics.inference_seconds.labels(model="detector", batch="1").observe(0.03)
    metrics.event_latency.observe(0.05)
    metrics.db_write_seconds.observe(0.01)
    # name: (fastest, slowest) plausible value: a GPU batch, a CPU frame; an outage's write
    measured = {
        "rollcall_inference_seconds": (0.001, 2.0),
        "rollcall_event_latency_seconds": (0.01, 10.0),
        "rollcall_db_write_seconds": (0.001, 120.0),
    }
    for name, (fastest, slowest) in measured.items():
        bounds = bucket_bounds(metrics, name)
        assert bounds[0] <= fastest and bounds[-1] >= slowest, name
