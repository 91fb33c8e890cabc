"""Capped exponential backoff with jitter, so cameras that fail together retry apart."""

from __future__ import annotations

import random


class Backoff:
    """Delays initial, initial*m, initial*m², ... capped at `maximum`, jittered by ±`jitter`."""

    def __init__(
        self,
        initial_s: float,
        maximum_s: float,
        multiplier: float = 2.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        if initial_s <= 0 or maximum_s < initial_s or multiplier < 1 or not 0 <= jitter < 1:
            raise ValueError("need 0 < initial <= maximum, multiplier >= 1, 0 <= jitter < 1")
        self._initial = initial_s
        self._maximum = maximum_s
        self._multiplier = multiplier
        self._jitter = jitter
        self._rng = rng or random.Random()
        self._attempt = 0

    @property
    def attempt(self) -> int:
        """Delays handed out since the last reset."""
        return self._attempt

    def next_delay(self) -> float:
        base = min(self._maximum, self._initial * self._multiplier ** min(self._attempt, 64))
        self._attempt += 1
        jittered = base * (1 + self._rng.uniform(-self._jitter, self._jitter))
        return min(self._maximum, jittered)

    def reset(self) -> None:
        self._attempt = 0
