"""The analysis rate limiter, on simulated timestamps."""

from __future__ import annotations

import pytest

from streamer.rate import RateLimiter


def allowed(limiter: RateLimiter, fps_in: float, seconds: float, start: float = 0.0) -> int:
    return sum(limiter.allow(start + i / fps_in) for i in range(round(fps_in * seconds)))


@pytest.mark.parametrize("fps_out", [5.0, 7.0, 12.5])
def test_a_30_fps_camera_hands_out_the_analysis_rate(fps_out: float) -> None:
    assert abs(allowed(RateLimiter(fps_out), 30, seconds=10) - fps_out * 10) <= 1


def test_a_camera_slower_than_the_rate_hands_out_every_frame() -> None:
    assert allowed(RateLimiter(10), 4, seconds=10) == 40


def test_no_rate_hands_out_every_frame() -> None:
    assert allowed(RateLimiter(None), 30, seconds=2) == 60


def test_after_a_stall_the_schedule_restarts_instead_of_bursting() -> None:
    limiter = RateLimiter(5)
    allowed(limiter, 30, seconds=2)
    # 10 s without frames, then frames resume: still 5 per second, no catch-up burst.
    assert abs(allowed(limiter, 30, seconds=2, start=12.0) - 10) <= 1


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
