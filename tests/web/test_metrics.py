"""Prometheus metrics: open to the scraper, named as dashboards expect."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from web.services import Services

ISSUE_METRICS = (
    "rollcall_frames_received_total",
    "rollcall_frames_analyzed_total",
    "rollcall_frames_dropped_total",
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
