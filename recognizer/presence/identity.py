"""What a track is believed to be: still voting, a person, or an unknown face."""

from __future__ import annotations

from enum import StrEnum

from recognizer.decision import Match
from recognizer.ids import PersonId
from recognizer.presence.config import PresenceConfig
from recognizer.presence.evidence import TrackEvidence
from recognizer.presence.vote import TrackVote


class IdentityState(StrEnum):
    VOTING = "voting"
    IDENTIFIED = "identified"
    UNKNOWN = "unknown"


class Change(StrEnum):
    """A transition that one observed match caused."""

    IDENTIFIED = "identified"
    DROPPED = "dropped"  # a re-check contradicted the identity; the track votes again
    COUNTED_UNKNOWN = "counted_unknown"  # first time this track ran out of attempts


class TrackIdentity:
    """The identity state machine of one track.

    Two ways to a name. A face large and sharp enough to be judged on one frame casts a
    ballot (`match`); `votes_needed` agreeing ballots identify the track. Every sighting,
    down to the small faces no single frame can name, also joins the track's `evidence`, and
    the engine matches the pooled evidence as a whole (`aggregate`): when that clears the
    aggregate rule over at least `aggregate_min_sightings` sightings, the track is identified
    too. Voting tracks are embedded on every frame until one of the two decides, or until
    `unknown_after_attempts` embeddings decided nothing. Identified and unknown tracks are
    embedded only every `recheck_interval_s`: an identified track keeps its person only while
    re-checks still name that same person (a tracker that swapped two faces, or a different
    face stepping into the box, is caught), and an unknown track whose re-check names somebody
    votes again on the frames that follow (a student whose first frames were poor). Not
    thread-safe: the engine guards it.
    """

    def __init__(self, config: PresenceConfig) -> None:
        self._config = config
        self._vote = TrackVote(config.votes_needed, config.vote_window_s)
        self.state = IdentityState.VOTING
        self.person_id: PersonId | None = None
        self.score = 0.0
        self.attempts = 0  # usable embeddings since voting (re)started
        self.last_embedded: float | None = None
        self.counted_unknown = False
        self.evidence = TrackEvidence()

    def due(self, now: float) -> bool:
        """Whether this track's face should be embedded in a frame taken at `now`."""
        if self.state is IdentityState.VOTING or self.last_embedded is None:
            return True
        return now - self.last_embedded >= self._config.recheck_interval_s

    def observe(
        self, match: Match | None, now: float, aggregate: Match | None = None
    ) -> Change | None:
        """Take one embedding into account: its own match when the face could be judged on
        one frame (else None), and the match of the evidence it was pooled into (None when
        the engine pools nothing). The transition it caused, if any."""
        self.last_embedded = now
        if self.state is IdentityState.IDENTIFIED:
            confirmed = self._confirmation(match, aggregate)
            if confirmed is not None:
                self.score = confirmed.score
                return None
            self._restart_vote()
            self.evidence.clear()
            return self._vote_on(match, now, None) or Change.DROPPED
        if self.state is IdentityState.UNKNOWN:
            # The accepted re-check only reopens the vote, it is no ballot: a stranger who
            # resembles a student gets a lucky frame now and then, every re-check interval
            # for as long as they sit there, and each one counted would leave only
            # votes_needed - 1 more lucky frames between them and being marked present.
            if (match is not None and match.accepted) or (
                aggregate is not None and aggregate.accepted
            ):
                self._restart_vote()
            return None
        return self._vote_on(match, now, aggregate)

    def _confirmation(self, match: Match | None, aggregate: Match | None) -> Match | None:
        """The match by which a re-check still names the identified person: its own frame
        accepted as them, or (a frame too weak to judge, or judged unsure) the pooled evidence
        still accepted as them. A frame accepted as somebody else always contradicts."""
        if match is not None and match.accepted:
            return match if match.person_id == self.person_id else None
        if aggregate is not None and aggregate.accepted and aggregate.person_id == self.person_id:
            return aggregate
        return None

    def forget(self, person_id: PersonId) -> None:
        """Erase a person from this track: their ballots, and the identity if it was theirs."""
        self._vote.forget(person_id)
        if self.person_id == person_id:
            self._restart_vote()
            self.evidence.clear()

    def _vote_on(self, match: Match | None, now: float, aggregate: Match | None) -> Change | None:
        self.attempts += 1
        verdict = None if match is None else self._vote.cast(match, now)
        if verdict is not None:
            return self._identify(verdict.person_id, verdict.score)
        if (
            aggregate is not None
            and aggregate.accepted
            and aggregate.person_id is not None
            and self.evidence.sightings >= self._config.aggregate_min_sightings
        ):
            return self._identify(aggregate.person_id, aggregate.score)
        if self.attempts >= self._config.unknown_after_attempts:
            self.state = IdentityState.UNKNOWN
            if not self.counted_unknown:
                self.counted_unknown = True
                return Change.COUNTED_UNKNOWN
        return None

    def _identify(self, person_id: PersonId, score: float) -> Change:
        self.state = IdentityState.IDENTIFIED
        self.person_id = person_id
        self.score = score
        self._vote.clear()
        return Change.IDENTIFIED

    def _restart_vote(self) -> None:
        self.state = IdentityState.VOTING
        self.person_id = None
        self.score = 0.0
        self.attempts = 0
        self._vote.clear()
