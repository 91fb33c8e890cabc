"""Reconnection delays: exponential, capped, jittered, reset on success."""

from __future__ import annotations

import random

import pytest

from streamer.backoff import Backoff


def test_delays_double_until_the_cap_without_jitter() -> None:
    backoff = Backoff(0.5, 4.0, multiplier=2, jitter=0)
    assert [backoff.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_jitter_spreads_delays_within_its_bounds_and_never_above_the_cap() -> None:
    backoff = Backoff(1.0, 8.0, jitter=0.2, rng=random.Random(1))
    firsts = []
    for _ in range(200):
        firsts.append(backoff.next_delay())
        backoff.reset()
    assert all(0.8 <= delay <= 1.2 for delay in firsts)
    assert len(set(firsts)) > 100  # cameras failing together retry apart
    late = [backoff.next_delay() for _ in range(100)][-50:]
    assert all(6.4 <= delay <= 8.0 for delay in late)


def test_reset_starts_again_from_the_initial_delay() -> None:
    backoff = Backoff(0.5, 30.0, jitter=0)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_thousands_of_failures_stay_at_the_cap() -> None:
    backoff = Backoff(0.5, 30.0, jitter=0)
    assert [backoff.next_delay() for _ in range(5000)][-1] == 30.0


@pytest.mark.parametrize(
    ("initial", "maximum", "multiplier", "jitter"),
    [(0, 1, 2, 0), (2, 1, 2, 0), (1, 2, 0.5, 0), (1, 2, 2, 1.0)],
)
def test_nonsensical_settings_are_refused(
    initial: float, maximum: float, multiplier: float, jitter: float
) -> None:
    with pytest.raises(ValueError):
        Backoff(initial, maximum, multiplier, jitter)
