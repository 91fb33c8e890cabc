"""Retry delays while the database is away: doubling from a first wait up to a cap.

No jitter: the store's retries are one per process (a write buffer, a change feed, a start-up
wait), not hundreds failing together as cameras do.
"""

from __future__ import annotations


class Backoff:
    """Delays initial, 2·initial, 4·initial, ... capped at `maximum_s`; `reset` after a success."""

    def __init__(self, initial_s: float, maximum_s: float) -> None:
        if not 0 < initial_s <= maximum_s:
            raise ValueError(f"need 0 < initial <= maximum, got {initial_s} and {maximum_s}")
        self._initial_s = initial_s
        self._maximum_s = maximum_s
        self._next_s = initial_s

    def next_delay(self) -> float:
        delay = self._next_s
        self._next_s = min(delay * 2, self._maximum_s)
        return delay

    def reset(self) -> None:
        self._next_s = self._initial_s
