"""What a track is believed to be: still voting, a person, or an unknown face."""

from __future__ import annotations

from enum import StrEnum

from recognizer.decision import Match, PersonId
from recognizer.presence.config import PresenceConfig
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

    Voting tracks are embedded on every usable frame until the vote decides, or until
    `unknown_after_attempts` usable embeddings decided nothing. Identified and unknown tracks
    are embedded only every `recheck_interval_s`: an identified track keeps its person only
    while re-checks are accepted as that same person (a tracker that swapped two faces, or a
    different face stepping into the box, is caught), and an unknown track whose re-check is
    accepted as somebody votes again on the frames that follow (a student whose first frames
    were poor). Not thread-safe: the engine guards it.
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

    def due(self, now: float) -> bool:
        """Whether this track's face should be embedded in a frame taken at `now`."""
        if self.state is IdentityState.VOTING or self.last_embedded is None:
            return True
        return now - self.last_embedded >= self._config.recheck_interval_s

    def observe(self, match: Match, now: float) -> Change | None:
        """Take one embedding's match into account; the transition it caused, if any."""
        self.last_embedded = now
        if self.state is IdentityState.IDENTIFIED:
            if match.accepted and match.person_id == self.person_id:
                self.score = match.score
                return None
            self._restart_vote()
            return self._vote_on(match, now) or Change.DROPPED
        if self.state is IdentityState.UNKNOWN:
            # The accepted re-check only reopens the vote, it is no ballot: a stranger who
            # resembles a student gets a lucky frame now and then, every re-check interval
            # for as long as they sit there, and each one counted would leave only
            # votes_needed - 1 more lucky frames between them and being marked present.
            if match.accepted:
                self._restart_vote()
            return None
        return self._vote_on(match, now)

    def forget(self, person_id: PersonId) -> None:
        """Erase a person from this track: their ballots, and the identity if it was theirs."""
        self._vote.forget(person_id)
        if self.person_id == person_id:
            self._restart_vote()

    def _vote_on(self, match: Match, now: float) -> Change | None:
        self.attempts += 1
        verdict = self._vote.cast(match, now)
        if verdict is not None:
            self.state = IdentityState.IDENTIFIED
            self.person_id = verdict.person_id
            self.score = verdict.score
            self._vote.clear()
            return Change.IDENTIFIED
        if self.attempts >= self._config.unknown_after_attempts:
            self.state = IdentityState.UNKNOWN
            if not self.counted_unknown:
                self.counted_unknown = True
                return Change.COUNTED_UNKNOWN
        return None

    def _restart_vote(self) -> None:
        self.state = IdentityState.VOTING
        self.person_id = None
        self.score = 0.0
        self.attempts = 0
        self._vote.clear()
