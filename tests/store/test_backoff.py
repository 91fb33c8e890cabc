"""Retry delays of the store: doubling, capped, reset after a success."""

from __future__ import annotations

import pytest

from store.backoff import Backoff


def test_delays_double_until_the_cap() -> None:
    backoff = Backoff(0.1, 0.5)
    assert [backoff.next_delay() for _ in range(5)] == [0.1, 0.2, 0.4, 0.5, 0.5]


def test_reset_starts_again_from_the_first_delay() -> None:
    backoff = Backoff(0.1, 5.0)
    for _ in range(4):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 0.1


def test_a_cap_equal_to_the_first_delay_keeps_it() -> None:
    backoff = Backoff(1.0, 1.0)
    assert [backoff.next_delay() for _ in range(3)] == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(("initial", "maximum"), [(0, 1), (-1, 1), (2, 1)])
def test_nonsensical_delays_are_refused(initial: float, maximum: float) -> None:
    with pytest.raises(ValueError):
        Backoff(initial, maximum)
