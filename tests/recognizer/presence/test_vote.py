"""TrackVote: a person wins only with enough agreeing accepted matches inside the window."""

from __future__ import annotations

from recognizer.decision import Match
from recognizer.presence.vote import TrackVote


def accepted(person: str, score: float = 0.6) -> Match:
    return Match(person, score, 0.3, accepted=True)


def refused(person: str = "x", score: float = 0.2) -> Match:
    return Match(person, score, 0.01, accepted=False)


def test_three_accepted_matches_of_one_person_decide_with_their_mean_score() -> None:
    vote = TrackVote(votes_needed=3, window_s=6.0)
    assert vote.cast(accepted("ann", 0.5), 0.0) is None
    assert vote.cast(accepted("ann", 0.6), 0.5) is None
    verdict = vote.cast(accepted("ann", 0.7), 1.0)
    assert verdict is not None and verdict.person_id == "ann" and verdict.votes == 3
    assert abs(verdict.score - 0.6) < 1e-9


def test_matches_older_than_the_window_no_longer_count() -> None:
    vote = TrackVote(votes_needed=3, window_s=6.0)
    vote.cast(accepted("ann"), 0.0)
    vote.cast(accepted("ann"), 2.0)
    assert vote.cast(accepted("ann"), 7.5) is None  # the first fell out of the window
    assert vote.cast(accepted("ann"), 8.0) is not None


def test_a_person_is_decided_only_with_enough_votes_and_more_than_anyone_else() -> None:
    vote = TrackVote(votes_needed=3, window_s=6.0)
    for t, person in enumerate(["ann", "bob", "ann", "bob"]):
        assert vote.cast(accepted(person), t * 0.1) is None
    verdict = vote.cast(accepted("bob"), 0.5)
    assert verdict is not None and verdict.person_id == "bob"


def test_refused_matches_vote_for_nobody_and_can_block_a_decision() -> None:
    vote = TrackVote(votes_needed=3, window_s=6.0)
    for t, match in enumerate([accepted("ann"), refused("ann"), refused(), accepted("ann")]):
        vote.cast(match, t * 0.1)
    assert vote.cast(accepted("ann"), 0.5) is not None  # 3 to 2
    blocked = TrackVote(votes_needed=3, window_s=6.0)
    for t, match in enumerate([refused(), refused(), refused(), accepted("ann"), accepted("ann")]):
        blocked.cast(match, t * 0.1)
    assert blocked.cast(accepted("ann"), 0.6) is None  # 3 to 3


def test_forgetting_a_person_removes_their_ballots() -> None:
    vote = TrackVote(votes_needed=2, window_s=6.0)
    vote.cast(accepted("ann"), 0.0)
    vote.forget("ann")
    assert len(vote) == 0
    assert vote.cast(accepted("ann"), 0.1) is None
