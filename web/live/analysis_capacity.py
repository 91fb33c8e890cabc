"""Whether the analysis keeps up: frames asked for against frames analysed, and how busy it is.

The cameras ask for frames at the analysis rate (each feed admits at most
`streamer.analysis_fps` a second); the analysis loop takes one batch at a time. Over a sliding
window it is *over capacity* when it analysed clearly fewer frames than were asked for: the
others were replaced in their camera's slot by a newer frame before the loop came round, which
an idle loop (it takes each frame as it comes) does not let happen. Each camera then gets a
fair share (one frame per camera per batch), the rate every camera is analysed at falls, and
the operator is told once (a warning in the log), on `/health` and in the metrics. Leaving
that state takes a clear margin the other way, so a machine at the edge does not flap. How
busy the loop was (working rather than waiting for frames) is reported beside it, and with the
frames analysed gives what the machine could do flat out.

A busy share alone would not do: a process whose CPU is throttled (a container over its quota)
slows its camera readers as much as its analysis, and is short of frames however its time
splits between the two.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

logger = logging.getLogger(__name__)

WINDOW_S = 10.0
SHORT_OVER = 0.9  # analysing under this share of the frames asked for: over capacity
SHORT_UNDER = 0.97  # back within capacity once nearly every frame asked for is analysed


@dataclass(frozen=True)
class CapacityReading:
    """The window's figures; rates in frames per second of wall time."""

    demand_fps: float  # frames the cameras offered for analysis
    analysed_fps: float
    busy: float  # share of the window the analysis spent on turns, not waiting (0..1)
    capacity_fps: float | None  # analysed_fps / busy: what the engine can do flat out
    over_capacity: bool

    def as_json(self) -> dict[str, object]:
        return {
            "demand_fps": round(self.demand_fps, 2),
            "analysed_fps": round(self.analysed_fps, 2),
            "busy": round(self.busy, 3),
            "capacity_fps": None if self.capacity_fps is None else round(self.capacity_fps, 2),
            "over_capacity": self.over_capacity,
        }


class AnalysisCapacity:
    """Fed by the analysis loop (one event loop: no locking); read by metrics and health."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self._window_s = window_s
        self._batches: deque[tuple[float, float, int]] = deque()  # (end, busy_s, frames)
        self._offered: deque[tuple[float, float]] = deque()  # (at, frames offered so far)
        self._started: float | None = None
        self._over = False
        self.reading = CapacityReading(0.0, 0.0, 0.0, None, False)

    @property
    def over_capacity(self) -> bool:
        return self._over

    def batch(self, started: float, ended: float, frames: int) -> None:
        """One turn of the analysis, from its frames being taken to its results acted on
        (monotonic): the loop is idle only while it waits for frames."""
        self._batches.append((ended, ended - started, frames))

    def offered(self, now: float, total_offered: int) -> CapacityReading:
        """Take the cameras' running count of frames offered for analysis (admitted by their
        rate, whether analysed or replaced by a newer one) and update the reading."""
        if self._started is None:
            self._started = now
        self._offered.append((now, float(total_offered)))
        horizon = now - self._window_s
        while self._batches and self._batches[0][0] < horizon:
            self._batches.popleft()
        while len(self._offered) > 2 and self._offered[1][0] <= horizon:
            self._offered.popleft()
        span = min(self._window_s, now - self._started)
        if span <= 0:
            return self.reading
        first_at, first_count = self._offered[0]
        offered_span = now - first_at
        demand = (total_offered - first_count) / offered_span if offered_span > 0 else 0.0
        analysed = sum(frames for _, _, frames in self._batches) / span
        busy = min(1.0, sum(busy_s for _, busy_s, _ in self._batches) / span)
        capacity = analysed / busy if busy >= 0.2 else None
        full_window = now - self._started >= self._window_s
        self._over = self._judge(full_window, demand, analysed)
        self.reading = CapacityReading(demand, analysed, busy, capacity, self._over)
        return self.reading

    def _judge(self, full_window: bool, demand: float, analysed: float) -> bool:
        if not self._over:
            over = full_window and analysed < SHORT_OVER * demand
            if over:
                logger.warning(
                    "analysis over capacity: cameras ask for %.1f frames/s, %.1f analysed; "
                    "every camera is analysed at a lower rate (fair shares)",
                    demand,
                    analysed,
                    extra={"demand_fps": round(demand, 2), "analysed_fps": round(analysed, 2)},
                )
            return over
        recovered = analysed >= SHORT_UNDER * demand
        if recovered:
            logger.info(
                "analysis back within capacity",
                extra={"demand_fps": round(demand, 2), "analysed_fps": round(analysed, 2)},
            )
        return not recovered
