"""The analysis knows when it cannot keep up: over a whole window it analysed clearly fewer
frames than the cameras offered. It says so once, and takes a clear margin to say it is back;
how busy it was is reported beside it."""

from __future__ import annotations

import logging

import pytest

from web.live.analysis_capacity import AnalysisCapacity


def run(
    capacity: AnalysisCapacity,
    *,
    seconds: float,
    offered_fps: float,
    batch_s: float,
    frames_per_batch: int,
    start: float = 0.0,
    offered_before: int = 0,
) -> int:
    """Batches back to back (or with idle gaps when the work is light) for `seconds`; the
    offered count at the end."""
    now = start
    offered = offered_before
    period = max(batch_s, frames_per_batch / offered_fps)  # light work waits for frames
    while now < start + seconds:
        capacity.batch(now, now + batch_s, frames_per_batch)
        now += period
        offered = offered_before + round((now - start) * offered_fps)
        capacity.offered(now, offered)
    return offered


def test_a_machine_that_keeps_up_is_within_capacity_and_says_what_it_could_do() -> None:
    capacity = AnalysisCapacity()
    # 20 frames/s asked for, a batch of 4 frames takes 0.1 s: busy half the time
    run(capacity, seconds=20, offered_fps=20, batch_s=0.1, frames_per_batch=4)
    reading = capacity.reading
    assert not reading.over_capacity
    assert reading.demand_fps == pytest.approx(20, rel=0.05)
    assert reading.analysed_fps == pytest.approx(20, rel=0.05)
    assert reading.busy == pytest.approx(0.5, rel=0.05)
    assert reading.capacity_fps == pytest.approx(40, rel=0.05)


def test_short_of_frames_for_a_whole_window_is_over_capacity_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    capacity = AnalysisCapacity()
    with caplog.at_level(logging.WARNING, logger="web.live.analysis_capacity"):
        # 80 frames/s asked for; batches of 16 take 0.4 s: 40 frames/s flat out
        run(capacity, seconds=30, offered_fps=80, batch_s=0.4, frames_per_batch=16)
    reading = capacity.reading
    assert reading.over_capacity
    assert reading.analysed_fps == pytest.approx(40, rel=0.05)
    assert reading.capacity_fps == pytest.approx(40, rel=0.05)
    assert len([r for r in caplog.records if "over capacity" in r.getMessage()]) == 1


def test_a_machine_busy_all_the_time_that_still_takes_every_frame_is_within_capacity() -> None:
    capacity = AnalysisCapacity()
    # 40 frames/s asked for; batches of 16 take 0.4 s: exactly what it can do
    run(capacity, seconds=30, offered_fps=40, batch_s=0.4, frames_per_batch=16)
    assert capacity.reading.busy == pytest.approx(1.0, rel=0.02)
    assert not capacity.reading.over_capacity


def test_a_short_burst_is_not_over_capacity_until_a_whole_window_says_so() -> None:
    capacity = AnalysisCapacity()
    run(capacity, seconds=5, offered_fps=80, batch_s=0.4, frames_per_batch=16)
    assert not capacity.reading.over_capacity


def test_it_is_back_within_capacity_once_the_work_fits_again() -> None:
    capacity = AnalysisCapacity()
    offered = run(capacity, seconds=30, offered_fps=80, batch_s=0.4, frames_per_batch=16)
    assert capacity.over_capacity
    # cameras removed: 20 frames/s asked for, the same batches keep up with room to spare
    run(
        capacity,
        seconds=20,
        offered_fps=20,
        batch_s=0.1,
        frames_per_batch=4,
        start=30.0,
        offered_before=offered,
    )
    assert not capacity.over_capacity
