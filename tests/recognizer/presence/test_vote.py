"""TrackVote: a person wins only with enough agreeing accepted matches inside the window."""

from __future__ import annotations

from uuid import UUID

from recognizer.decision import Match
from recognizer.presence.vote import TrackVote
from tests.ids import uid

ANN, BOB, STRANGER = uid("ann"), uid("bob"), uid("x")


def accepted(person: UUID, score: float = 0.6) -> Match:
    return Match(person, score, 0.3, accepted=True)


def refused(person: UUID = STRANGER, score: float = 0.2) -> Match:
    return Match(person, score, 0.01, accepted=False)


def test_three_accepted_matches_of_one_person_decide_with_their_mean_score() -> None:
    vote = TrackVote(votes_needed=3, window_s=6.0)
    assert vote.cast(accepted(ANN, 0.5), 0.0) is None
    assert vote.cast(accepted(ANN, 0.6), 0.5) is None
    verdict = vote.cast(accepted(ANN, 0.7), 1.0)
    assert verdict is not None and verdict.person_id == ANN and verdict.votes == 3
    assert abs(verdict.score - 0.6) < 1e-9


def test_matches_older_than_the_window_no_longer_count() -> None:
    vote = TrackVote(votes_needed=3, window_s=6.0)
    vote.cast(accepted(ANN), 0.0)
    vote.cast(accepted(ANN), 2.0)
    assert vote.cast(accepted(ANN), 7.5) is None  # the first fell out of the window
    assert vote.cast(accepted(ANN), 8.0) is not None


def test_a_person_is_decided_only_with_enough_votes_and_more_than_anyone_else() -> None:
    vote = TrackVote(votes_needed=3, window_s=6.0)
    for t, person in enumerate([ANN, BOB, ANN, BOB]):
        assert vote.cast(accepted(person), t * 0.1) is None
    verdict = vote.cast(accepted(BOB), 0.5)
    assert verdict is not None and verdict.person_id == BOB


def test_refused_matches_vote_for_nobody_and_can_block_a_decision() -> None:
    vote = TrackVote(votes_needed=3, window_s=6.0)
    for t, match in enumerate([accepted(ANN), refused(ANN), refused(), accepted(ANN)]):
        vote.cast(match, t * 0.1)
    assert vote.cast(accepted(ANN), 0.5) is not None  # 3 to 2
    blocked = TrackVote(votes_needed=3, window_s=6.0)
    for t, match in enumerate([refused(), refused(), refused(), accepted(ANN), accepted(ANN)]):
        blocked.cast(match, t * 0.1)
    assert blocked.cast(accepted(ANN), 0.6) is None  # 3 to 3


def test_forgetting_a_person_removes_their_ballots() -> None:
    vote = TrackVote(votes_needed=2, window_s=6.0)
    vote.cast(accepted(ANN), 0.0)
    vote.forget(ANN)
    assert len(vote) == 0
    assert vote.cast(accepted(ANN), 0.1) is None
