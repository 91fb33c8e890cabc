"""Capture-to-event latency: from the frame that decided a present event to its hub message."""

from __future__ import annotations

import time
from uuid import UUID

from web.telemetry.metrics import Metrics

FORGET_AFTER_S = 600.0  # an event whose write never came back (refused, other process) ages out


class EventLatency:
    """The analysis loop says which frame decided a present event; the relay, on hearing the
    stored row's first insert on the change feed, observes the time since that frame.

    Only this process's own events are measured (another process's frames have clocks of
    their own); the histogram is `rollcall_event_latency_seconds`.
    """

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._pending: dict[tuple[UUID, UUID], float] = {}

    def decided(self, session_id: UUID, person_id: UUID, captured_monotonic: float) -> None:
        now = time.monotonic()
        for key, captured in list(self._pending.items()):
            if now - captured > FORGET_AFTER_S:
                del self._pending[key]
        self._pending.setdefault((session_id, person_id), captured_monotonic)

    def sent(self, session_id: UUID, person_id: UUID) -> float | None:
        """The event went out: its latency in seconds, None when it was not decided here."""
        captured = self._pending.pop((session_id, person_id), None)
        if captured is None:
            return None
        latency = time.monotonic() - captured
        self._metrics.event_latency.observe(latency)
        return latency
