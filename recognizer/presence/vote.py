"""The per-track vote: several agreeing matches within a window before a track is a person."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

from recognizer.decision import Match
from recognizer.ids import PersonId


@dataclass(frozen=True, slots=True)
class Ballot:
    """One embedding's outcome: the accepted person, or None when the rule accepted nobody."""

    person_id: PersonId | None
    score: float
    at: float  # monotonic seconds


@dataclass(frozen=True, slots=True)
class Verdict:
    person_id: PersonId
    score: float  # mean similarity of the winning ballots
    votes: int


class TrackVote:
    """Recent ballots of one track, and the person they agree on, if any.

    A person wins with at least `votes_needed` accepted matches inside the window and more
    ballots than any other outcome, "nobody" included: a face that the rule refuses as often
    as it accepts someone is exactly the doubtful case where marking the wrong student
    present would come from. Not thread-safe: the engine guards it.
    """

    def __init__(self, votes_needed: int, window_s: float) -> None:
        self._votes_needed = votes_needed
        self._window_s = window_s
        self._ballots: deque[Ballot] = deque()

    def __len__(self) -> int:
        return len(self._ballots)

    def cast(self, match: Match, now: float) -> Verdict | None:
        """Count one match and return the verdict of the ballots inside the window."""
        person = match.person_id if match.accepted else None
        self._ballots.append(Ballot(person, match.score, now))
        while self._ballots and now - self._ballots[0].at > self._window_s:
            self._ballots.popleft()
        return self.verdict()

    def verdict(self) -> Verdict | None:
        counts = Counter(ballot.person_id for ballot in self._ballots)
        ranked = counts.most_common(2)
        if not ranked:
            return None
        leader, votes = ranked[0]
        if leader is None or votes < self._votes_needed:
            return None
        if len(ranked) > 1 and ranked[1][1] == votes:
            return None
        scores = [b.score for b in self._ballots if b.person_id == leader]
        return Verdict(leader, sum(scores) / len(scores), votes)

    def forget(self, person_id: PersonId) -> None:
        """Drop a person's ballots (erasure)."""
        self._ballots = deque(b for b in self._ballots if b.person_id != person_id)

    def clear(self) -> None:
        self._ballots.clear()
