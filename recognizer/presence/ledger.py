"""Per-session memory of what was already reported, so each event goes out at its rate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from recognizer.ids import PersonId, SessionId

# Two tracks' pooled evidence at least this similar are one face come back (a stranger who
# stepped out and in, a looping demo video): the same face's tracks pool to 0.7-0.9 against
# each other, two different people's to 0.15 on average and 0.3 at most (../shared/faces).
SAME_FACE = 0.5
# Unknown faces remembered per session; past this each further unknown track counts anew.
_MAX_UNKNOWN_FACES = 512


@dataclass
class _SessionRecord:
    present: set[PersonId] = field(default_factory=set)
    other_course: set[PersonId] = field(default_factory=set)
    last_seen: dict[PersonId, float] = field(default_factory=dict)  # monotonic
    unknown: list[np.ndarray] = field(default_factory=list)  # pooled evidence of each counted


class SessionLedger:
    """Who was reported present or as another course's, and when last-seen last went out.

    Not thread-safe: the engine guards it.
    """

    def __init__(self, seen_refresh_s: float) -> None:
        self._seen_refresh_s = seen_refresh_s
        self._sessions: dict[SessionId, _SessionRecord] = {}

    def claim_present(self, session_id: SessionId, person_id: PersonId, now: float) -> bool:
        """True the first time a person is present in the session (the caller reports it)."""
        record = self._sessions.setdefault(session_id, _SessionRecord())
        if person_id in record.present:
            return False
        record.present.add(person_id)
        record.last_seen[person_id] = now
        return True

    def claim_seen(self, session_id: SessionId, person_id: PersonId, now: float) -> bool:
        """True when a present person's last-seen refresh is due (the caller reports it)."""
        record = self._sessions.setdefault(session_id, _SessionRecord())
        last = record.last_seen.get(person_id)
        if last is not None and now - last < self._seen_refresh_s:
            return False
        record.last_seen[person_id] = now
        return True

    def claim_unknown(self, session_id: SessionId, evidence: np.ndarray | None) -> bool:
        """True when an unknown track's face is new to the session (the caller counts it);
        False when an unknown face already counted there came back as a new track."""
        record = self._sessions.setdefault(session_id, _SessionRecord())
        if evidence is None:
            return True
        if any(float(evidence @ earlier) >= SAME_FACE for earlier in record.unknown):
            return False
        if len(record.unknown) < _MAX_UNKNOWN_FACES:
            record.unknown.append(evidence)
        return True

    def claim_other_course(self, session_id: SessionId, person_id: PersonId) -> bool:
        record = self._sessions.setdefault(session_id, _SessionRecord())
        if person_id in record.other_course:
            return False
        record.other_course.add(person_id)
        return True

    def mark_present(self, session_id: SessionId, person_ids: Iterable[PersonId]) -> None:
        """Seed people already present (from the database, after a restart)."""
        self._sessions.setdefault(session_id, _SessionRecord()).present.update(person_ids)

    def drop_session(self, session_id: SessionId) -> None:
        """Forget a session no camera runs any more."""
        self._sessions.pop(session_id, None)

    def forget_person(self, person_id: PersonId) -> None:
        for record in self._sessions.values():
            record.present.discard(person_id)
            record.other_course.discard(person_id)
            record.last_seen.pop(person_id, None)
