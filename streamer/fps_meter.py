"""Frames per second over a short sliding window."""

from __future__ import annotations

from collections import deque


class FpsMeter:
    """Rate of recent events: events in the last `window_s` seconds, bounded in memory."""

    def __init__(self, window_s: float = 2.0, max_events: int = 512) -> None:
        self._window_s = window_s
        self._times: deque[float] = deque(maxlen=max_events)

    def tick(self, now: float) -> None:
        self._times.append(now)

    def fps(self, now: float) -> float:
        while self._times and now - self._times[0] > self._window_s:
            self._times.popleft()
        if len(self._times) < 2:
            return 0.0
        span = now - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0
