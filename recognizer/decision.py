"""The open-set decision: is the nearest enrolled person really this face, or a stranger?

A face is accepted as person P only when its similarity to P clears an absolute threshold
AND beats the best *other* person by a margin. The threshold keeps strangers out (a stranger's
best similarity to anyone is low); the margin refuses look-alikes where two enrolled people
are nearly as close, which is where the worst error, a stranger or the wrong student marked
present, comes from. The default numbers live in `RecognizerConfig` with their calibration.
"""

from __future__ import annotations

from dataclasses import dataclass

from recognizer.ids import PersonId

# The lowest cosine similarity there is: the second-best score when the gallery or roster
# holds a single person, so that the margin test is then decided by the threshold alone.
NO_SECOND_SCORE = -1.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """The nearest enrolled person for one face, before any decision.

    `score` is the best cosine similarity over the person's templates; `second_score` is the
    best similarity of any *different* person (`NO_SECOND_SCORE` when there is none).
    `person_id` is None when there was nobody to compare against.
    """

    person_id: PersonId | None
    score: float
    second_score: float = NO_SECOND_SCORE

    @property
    def margin(self) -> float:
        return self.score - self.second_score


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome for one face: who it most resembles, how much, and whether it counts."""

    person_id: PersonId | None
    score: float
    margin: float
    accepted: bool


def decide(best_score: float, second_best_score: float, threshold: float, margin: float) -> bool:
    """True when the best person clears `threshold` and leads the next person by `margin`."""
    return best_score >= threshold and best_score - second_best_score >= margin


def match(candidate: Candidate, threshold: float, margin: float) -> Match:
    """Apply the decision rule to a candidate."""
    accepted = candidate.person_id is not None and decide(
        candidate.score, candidate.second_score, threshold, margin
    )
    return Match(
        person_id=candidate.person_id,
        score=candidate.score,
        margin=candidate.margin,
        accepted=accepted,
    )
