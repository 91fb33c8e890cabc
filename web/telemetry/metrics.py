"""The service's Prometheus metrics, in a registry of its own (one per process, not global).

Names and labels are an interface: dashboards and alert rules query them.
"""

from __future__ import annotations

import contextlib
from uuid import UUID

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

# Inference of one batch: ~1 ms on a GPU, ~5-35 ms per frame or face on a CPU (README's
# table), to seconds for a big batch on a busy CPU.
_INFERENCE_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip
# From the capture of the frame that decided an event (the last vote) to the event going out:
# its analysis, the write and the change feed, measured 0.03-0.16 s; seconds on a saturated CPU.
EVENT_LATENCY_BUCKETS = (
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
# Submit to commit of an attendance write: ~1-50 ms normally, minutes while the database is away
# (the writes wait in the buffer), which the top buckets keep apart from "a bit slow".
_DB_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    120.0, 300.0,
)  # fmt: skip


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # CPU and memory of this process, named apart from other processes' process_* series
        ProcessCollector(namespace="rollcall", registry=r)
        self.frames_received = Counter(
            "rollcall_frames_received_total", "Frames decoded from cameras", ["camera"], registry=r
        )
        self.frames_analyzed = Counter(
            "rollcall_frames_analyzed_total", "Frames run through detection", ["camera"], registry=r
        )
        self.frames_dropped = Counter(
            "rollcall_frames_dropped_total",
            "Frames decoded but replaced by a newer one before analysis",
            ["camera"],
            registry=r,
        )
        self.frames_skipped = Counter(
            "rollcall_frames_skipped_total",
            "Frames received and left out by the analysis rate (streamer.analysis_fps)",
            ["camera"],
            registry=r,
        )
        self.inference_seconds = Histogram(
            "rollcall_inference_seconds",
            "Time of one inference batch",
            ["model", "batch"],
            buckets=_INFERENCE_BUCKETS,
            registry=r,
        )
        self.faces_detected = Counter(
            "rollcall_faces_detected_total", "Faces found by the detector", registry=r
        )
        self.identifications = Counter(
            "rollcall_identifications_total",
            "Embeddings searched in the gallery, by outcome",
            ["result"],
            registry=r,
        )
        self.attendance_events = Counter(
            "rollcall_attendance_events_total",
            "Attendance events sent, by status",
            ["status"],
            registry=r,
        )
        self.unknown_faces = Counter(
            "rollcall_unknown_faces_total",
            "Unknown faces: once per face per session (a returning stranger is not counted again)",
            ["camera"],
            registry=r,
        )
        self.event_latency = Histogram(
            "rollcall_event_latency_seconds",
            "From the capture of the frame that decided an event to the event being sent",
            buckets=EVENT_LATENCY_BUCKETS,
            registry=r,
        )
        self.websocket_clients = Gauge(
            "rollcall_websocket_clients", "Connected WebSocket clients", registry=r
        )
        self.db_write_seconds = Histogram(
            "rollcall_db_write_seconds",
            "Time of one attendance write batch",
            buckets=_DB_BUCKETS,
            registry=r,
        )
        self.db_buffered_writes = Gauge(
            "rollcall_db_buffered_writes", "Attendance writes waiting for the database", registry=r
        )
        self.db_writes_fenced = Counter(
            "rollcall_db_writes_fenced_total",
            "Attendance writes PostgreSQL refused because their camera's lease had changed hands "
            "before their frames were seen (this process had lost the camera)",
            registry=r,
        )
        self.journal_entries = Gauge(
            "rollcall_journal_entries",
            "Decisions in the local journal that the database has not committed yet",
            registry=r,
        )
        self.journal_bytes = Gauge(
            "rollcall_journal_bytes", "Size of the local decision journal's file", registry=r
        )
        self.journal_capacity_bytes = Gauge(
            "rollcall_journal_capacity_bytes",
            "Size bound of the decision journal (ROLLCALL_STORE__JOURNAL_MAX_BYTES)",
            registry=r,
        )
        self.journal_full = Counter(
            "rollcall_journal_full_total",
            "Decisions the full journal refused: they live in memory only, lost in a crash",
            registry=r,
        )
        self.camera_up = Gauge(
            "rollcall_camera_up", "1 while the camera delivers frames", ["camera"], registry=r
        )
        self.analysis_fps = Gauge(
            "rollcall_analysis_fps", "Frames analysed per second", ["camera"], registry=r
        )
        self.analysis_stage_seconds = Counter(
            "rollcall_analysis_stage_seconds_total",
            "Wall seconds the analysis spent per stage (scan, around, track, align, embed, "
            "search, decide; act: writes, events and boxes after each batch)",
            ["stage"],
            registry=r,
        )
        self.analysis_demand_fps = Gauge(
            "rollcall_analysis_demand_fps",
            "Frames per second the cameras of this process offer for analysis (10 s window)",
            registry=r,
        )
        self.analysis_total_fps = Gauge(
            "rollcall_analysis_total_fps",
            "Frames per second this process analysed, all cameras (10 s window)",
            registry=r,
        )
        self.analysis_busy = Gauge(
            "rollcall_analysis_busy_ratio",
            "Share of the last 10 s the analysis worked rather than waited for frames "
            "(1: flat out)",
            registry=r,
        )
        self.analysis_capacity_fps = Gauge(
            "rollcall_analysis_capacity_fps",
            "Frames per second this process could analyse flat out at the current mix of "
            "work (0 until it has been busy enough to tell)",
            registry=r,
        )
        self.analysis_over_capacity = Gauge(
            "rollcall_analysis_over_capacity",
            "1 while the cameras ask for more frames than the analysis keeps up with",
            registry=r,
        )
        self.cameras_held = Gauge("rollcall_cameras_held", "Cameras this process runs", registry=r)
        self.gallery_templates = Gauge(
            "rollcall_gallery_templates", "Face templates in this process's gallery", registry=r
        )
        self.sessions_open = Gauge(
            "rollcall_sessions_open",
            "Class sessions open in rooms this process watches",
            registry=r,
        )

    def forget_camera(self, camera_id: UUID) -> None:
        """Drop a removed camera's series so dashboards stop showing it."""
        camera = str(camera_id)  # the label's text
        for metric in (
            self.frames_received,
            self.frames_analyzed,
            self.frames_dropped,
            self.frames_skipped,
            self.unknown_faces,
            self.camera_up,
            self.analysis_fps,
        ):
            with contextlib.suppress(KeyError):
                metric.remove(camera)
