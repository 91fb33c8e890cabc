"""score_marks: who was marked, who was missed, which marks were wrong, how long it took."""

from __future__ import annotations

from pathlib import Path

from web.evaluation.class_files import ClassTruth, Enrolment, Expectation, Role
from web.evaluation.outcome import Mark, score_marks

TRUTH = ClassTruth(
    enrolments=tuple(Enrolment(n, Path(f"{n}.jpg")) for n in ("ann", "bob", "cyd", "dan")),
    expected=(
        Expectation("ann", Role.STUDENT, 2.0),
        Expectation("bob", Role.STUDENT, 10.0),
        Expectation("cyd", Role.STUDENT, 4.0),
        Expectation("dan", Role.ABSENT, None),
        Expectation("eve", Role.STRANGER, 5.0),
    ),
)


def mark(identity: str, at_s: float) -> Mark:
    return Mark(identity, "present", at_s, 0.5)


def test_students_marked_after_arriving_count_with_their_latency() -> None:
    outcome = score_marks(TRUTH, [mark("ann", 2.5), mark("bob", 13.0), mark("cyd", 4.0)])
    assert (outcome.students_expected, outcome.students_present) == (3, 3)
    assert outcome.students_missed == [] and outcome.wrong_marks == []
    assert outcome.latencies_s == {"ann": 0.5, "bob": 3.0, "cyd": 0.0}
    assert (outcome.latency_p50_s, outcome.latency_max_s) == (0.5, 3.0)


def test_an_absentee_marked_or_a_student_marked_before_arriving_is_a_wrong_mark() -> None:
    # bob is marked at 6 s, four seconds before he walks in: someone else was taken for him.
    outcome = score_marks(TRUTH, [mark("ann", 3.0), mark("dan", 7.0), mark("bob", 6.0)])
    assert outcome.wrong_marks == ["bob", "dan"]
    assert outcome.students_present == 1
    assert outcome.students_missed == ["bob", "cyd"]


def test_a_student_marked_twice_is_a_duplicate() -> None:
    outcome = score_marks(TRUTH, [mark("ann", 3.0), mark("ann", 9.0)])
    assert outcome.duplicates == ["ann"] and outcome.latencies_s == {"ann": 1.0}


def test_no_marks_at_all_gives_no_latency() -> None:
    outcome = score_marks(TRUTH, [])
    assert outcome.students_present == 0 and outcome.latency_p95_s is None
