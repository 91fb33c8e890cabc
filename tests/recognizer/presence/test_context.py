"""ClassContext and CameraFrame: the engine refuses times it could not compare."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from recognizer.presence.context import ClassContext
from recognizer.presence.errors import PresenceError
from recognizer.presence.frame import CameraFrame
from tests.ids import uid

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_context_takes_any_iterable_roster_as_a_frozenset() -> None:
    a, b = uid("a"), uid("b")
    context = ClassContext(uid("s1"), [a, b, a], START + timedelta(minutes=10), START)  # type: ignore[arg-type]
    assert context.roster == frozenset({a, b})


def test_naive_times_are_refused() -> None:
    with pytest.raises(PresenceError, match="late_after must be a timezone-aware"):
        ClassContext(uid("s1"), frozenset(), datetime(2026, 3, 2, 9, 10), START)
    with pytest.raises(PresenceError, match="captured_at must be a timezone-aware"):
        CameraFrame(uid("cam"), np.zeros((8, 8, 3), np.uint8), datetime(2026, 3, 2, 9), 1.0)


def test_late_after_cannot_precede_the_start() -> None:
    with pytest.raises(PresenceError, match="before starts_at"):
        ClassContext(uid("s1"), frozenset(), START - timedelta(seconds=1), START)
