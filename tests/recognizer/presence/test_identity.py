"""TrackIdentity: voting, identified with slow re-checks, and unknown once per track."""

from __future__ import annotations

from uuid import UUID

import numpy as np

from recognizer.decision import Match
from recognizer.presence.config import PresenceConfig
from recognizer.presence.identity import Change, IdentityState, TrackIdentity
from tests.ids import uid

ANN, BOB = uid("ann"), uid("bob")

CONFIG = PresenceConfig(votes_needed=3, unknown_after_attempts=5, recheck_interval_s=10.0)


def accepted(person: UUID) -> Match:
    return Match(person, 0.6, 0.3, accepted=True)


REFUSED = Match(ANN, 0.2, 0.01, accepted=False)


def identified(person: UUID = ANN) -> TrackIdentity:
    identity = TrackIdentity(CONFIG)
    changes = [identity.observe(accepted(person), t) for t in (0.0, 0.5, 1.0)]
    assert changes == [None, None, Change.IDENTIFIED]
    return identity


def test_a_voting_track_is_always_due_an_identified_one_only_at_the_recheck_interval() -> None:
    identity = TrackIdentity(CONFIG)
    assert identity.due(0.0)
    identity = identified()
    assert identity.state is IdentityState.IDENTIFIED and identity.person_id == ANN
    assert not identity.due(10.9)
    assert identity.due(11.0)


def test_a_recheck_accepted_as_the_same_person_keeps_the_identity() -> None:
    identity = identified()
    assert identity.observe(accepted(ANN), 11.0) is None
    assert identity.person_id == ANN and not identity.due(20.9)


def test_a_recheck_that_is_not_the_same_person_drops_the_identity_and_votes_again() -> None:
    for contradiction in (accepted(BOB), REFUSED):
        identity = identified()
        assert identity.observe(contradiction, 11.0) is Change.DROPPED
        assert identity.state is IdentityState.VOTING and identity.person_id is None
        assert identity.due(11.1)
    identity = identified()
    identity.observe(accepted(BOB), 11.0)
    identity.observe(accepted(BOB), 11.2)
    assert identity.observe(accepted(BOB), 11.4) is Change.IDENTIFIED
    assert identity.person_id == BOB


def test_a_track_undecided_after_its_attempts_counts_as_unknown_once() -> None:
    identity = TrackIdentity(CONFIG)
    changes = [identity.observe(REFUSED, t * 0.2) for t in range(5)]
    assert changes == [None] * 4 + [Change.COUNTED_UNKNOWN]
    assert identity.state is IdentityState.UNKNOWN and not identity.due(5.0)
    # An accepted re-check votes again; running out of attempts again is not counted twice.
    assert identity.observe(accepted(ANN), 12.0) is None
    assert identity.state is IdentityState.VOTING and identity.due(12.1)
    assert [identity.observe(REFUSED, 12.1 + t) for t in range(5)] == [None] * 5
    assert identity.state is IdentityState.UNKNOWN


def test_the_lucky_recheck_that_reopens_an_unknown_track_is_no_ballot() -> None:
    identity = TrackIdentity(CONFIG)
    for t in range(5):
        identity.observe(REFUSED, t * 0.2)
    assert identity.state is IdentityState.UNKNOWN
    assert identity.observe(accepted(ANN), 11.0) is None
    # Votes of the frames after it decide, all votes_needed of them.
    assert identity.observe(accepted(ANN), 11.2) is None
    assert identity.observe(accepted(ANN), 11.4) is None
    assert identity.observe(accepted(ANN), 11.6) is Change.IDENTIFIED


def test_forgetting_the_identified_person_restarts_the_vote() -> None:
    identity = identified()
    identity.forget(BOB)
    assert identity.person_id == ANN
    identity.forget(ANN)
    assert identity.state is IdentityState.VOTING and identity.person_id is None


def pooled(person: UUID, accepted: bool = True) -> Match:
    """The match of a track's pooled evidence."""
    return Match(person, 0.33, 0.12, accepted=accepted)


def test_a_face_too_small_for_any_single_frame_is_named_by_its_pooled_evidence() -> None:
    identity = TrackIdentity(CONFIG.model_copy(update={"aggregate_min_sightings": 3}))
    changes = []
    for t in range(3):
        identity.evidence.add(np.ones(4, np.float32), 0.7)  # the engine pools, then judges
        changes.append(identity.observe(None, t * 0.2, pooled(ANN)))
    assert changes == [None, None, Change.IDENTIFIED]
    assert identity.person_id == ANN and identity.score == 0.33


def test_pooled_evidence_that_the_aggregate_rule_refuses_names_nobody() -> None:
    identity = TrackIdentity(CONFIG)
    for t in range(5):
        identity.evidence.add(np.ones(4, np.float32), 0.7)
        identity.observe(None, t * 0.2, pooled(ANN, accepted=False))
    assert identity.state is IdentityState.UNKNOWN and identity.person_id is None


def test_an_unsure_recheck_keeps_the_identity_while_the_evidence_still_names_the_person() -> None:
    identity = identified()
    assert identity.observe(REFUSED, 11.0, pooled(ANN)) is None
    assert identity.observe(None, 21.0, pooled(ANN)) is None
    assert identity.person_id == ANN
    assert identity.observe(None, 31.0, pooled(BOB)) is Change.DROPPED
    assert identity.evidence.sightings == 0  # a different face: its evidence starts afresh


def test_a_recheck_accepted_as_somebody_else_drops_the_identity_whatever_the_evidence() -> None:
    identity = identified()
    assert identity.observe(accepted(BOB), 11.0, pooled(ANN)) is Change.DROPPED
