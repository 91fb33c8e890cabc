"""Per-camera analysis rate: a 30 fps camera costs only the frames the analysis wants."""

from __future__ import annotations


class RateLimiter:
    """Lets frames through at no more than `fps` on average, on a fixed schedule.

    A schedule (rather than "at least 1/fps since the last one") keeps the long-run rate at
    `fps` even when the input rate is not a multiple of it: 30 fps in, 7 fps out, not 6.
    `fps=None` lets every frame through.
    """

    def __init__(self, fps: float | None) -> None:
        if fps is not None and fps <= 0:
            raise ValueError("fps must be positive or None")
        self._interval = None if fps is None else 1.0 / fps
        self._next_due: float | None = None

    @property
    def fps(self) -> float | None:
        return None if self._interval is None else 1.0 / self._interval

    def allow(self, now: float) -> bool:
        """Whether a frame arriving at monotonic time `now` should be handed out."""
        if self._interval is None:
            return True
        # Half a millisecond of slack absorbs clock jitter on frames that arrive exactly on time.
        if self._next_due is not None and now < self._next_due - 0.0005:
            return False
        if self._next_due is None or now - self._next_due > self._interval:
            # First frame, or the stream stalled: restart the schedule instead of bursting.
            self._next_due = now + self._interval
        else:
            self._next_due += self._interval
        return True
