"""A camera's feed counts the frames the analysis rate leaves out (skipped) apart from those a
newer frame replaced before anyone took them (dropped)."""

from __future__ import annotations

from uuid import uuid4

from streamer.feed import CameraFeed


def test_frames_the_analysis_rate_leaves_out_are_counted_as_skipped() -> None:
    feed = CameraFeed(uuid4(), "file", None, analysis_fps=2.0)
    admitted = [feed.admit(n / 10) for n in range(10)]  # one second of a 10 fps camera

    status = feed.status()
    kept = [seq for seq in admitted if seq is not None]
    assert len(kept) == 2  # the rate: 2 a second
    assert (status.frames_received, status.frames_skipped) == (10, 8)


def test_an_unlimited_feed_skips_nothing() -> None:
    feed = CameraFeed(uuid4(), "file", None, analysis_fps=None)
    assert all(feed.admit(n / 30) is not None for n in range(30))
    assert feed.status().frames_skipped == 0
