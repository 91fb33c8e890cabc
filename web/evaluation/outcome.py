"""Scoring the marks a presence run made against what the video really shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from web.evaluation.class_files import ClassTruth, Role

# A mark this long before the student walked in was made on somebody else's face (a
# stranger or a classmate taken for them): the same wrong mark as an absentee's.
EARLY_MARK_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class Mark:
    """One "present" or "late" event of the run, at video time `at_s`."""

    identity: str
    status: str
    at_s: float
    score: float


@dataclass(frozen=True)
class Outcome:
    students_expected: int
    students_present: int
    students_missed: list[str]
    wrong_marks: list[str]
    duplicates: list[str]
    latency_p50_s: float | None
    latency_p95_s: float | None
    latency_max_s: float | None
    latencies_s: dict[str, float]


def score_marks(truth: ClassTruth, marks: Sequence[Mark]) -> Outcome:
    students = {e.identity: e.arrives_s for e in truth.with_role(Role.STUDENT)}
    counts = Counter(mark.identity for mark in marks)
    first: dict[str, Mark] = {}
    for mark in sorted(marks, key=lambda m: m.at_s):
        first.setdefault(mark.identity, mark)
    wrong = sorted(
        identity
        for identity, mark in first.items()
        if identity not in students
        or mark.at_s < (students[identity] or 0.0) - EARLY_MARK_TOLERANCE_S
    )
    present = [i for i in students if i in first and i not in wrong]
    latencies = {i: round(first[i].at_s - (students[i] or 0.0), 3) for i in present}
    values = np.asarray(sorted(latencies.values()), dtype=np.float64)
    return Outcome(
        students_expected=len(students),
        students_present=len(present),
        students_missed=sorted(i for i in students if i not in present),
        wrong_marks=wrong,
        duplicates=sorted(i for i, n in counts.items() if n > 1),
        latency_p50_s=_percentile(values, 50),
        latency_p95_s=_percentile(values, 95),
        latency_max_s=None if not values.size else round(float(values.max()), 3),
        latencies_s=latencies,
    )


def _percentile(values: np.ndarray, q: float) -> float | None:
    return None if not values.size else round(float(np.percentile(values, q)), 3)
