"""Per-session memory of what was already reported, so each event goes out at its rate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from recognizer.decision import PersonId


@dataclass
class _SessionRecord:
    present: set[PersonId] = field(default_factory=set)
    other_course: set[PersonId] = field(default_factory=set)
    last_seen: dict[PersonId, float] = field(default_factory=dict)  # monotonic


class SessionLedger:
    """Who was reported present or as another course's, and when last-seen last went out.

    Not thread-safe: the engine guards it.
    """

    def __init__(self, seen_refresh_s: float) -> None:
        self._seen_refresh_s = seen_refresh_s
        self._sessions: dict[str, _SessionRecord] = {}

    def claim_present(self, session_id: str, person_id: PersonId, now: float) -> bool:
        """True the first time a person is present in the session (the caller reports it)."""
        record = self._sessions.setdefault(session_id, _SessionRecord())
        if person_id in record.present:
            return False
        record.present.add(person_id)
        record.last_seen[person_id] = now
        return True

    def claim_seen(self, session_id: str, person_id: PersonId, now: float) -> bool:
        """True when a present person's last-seen refresh is due (the caller reports it)."""
        record = self._sessions.setdefault(session_id, _SessionRecord())
        last = record.last_seen.get(person_id)
        if last is not None and now - last < self._seen_refresh_s:
            return False
        record.last_seen[person_id] = now
        return True

    def claim_other_course(self, session_id: str, person_id: PersonId) -> bool:
        record = self._sessions.setdefault(session_id, _SessionRecord())
        if person_id in record.other_course:
            return False
        record.other_course.add(person_id)
        return True

    def mark_present(self, session_id: str, person_ids: Iterable[PersonId]) -> None:
        """Seed people already present (from the database, after a restart)."""
        self._sessions.setdefault(session_id, _SessionRecord()).present.update(person_ids)

    def drop_session(self, session_id: str) -> None:
        """Forget a session no camera runs any more."""
        self._sessions.pop(session_id, None)

    def forget_person(self, person_id: PersonId) -> None:
        for record in self._sessions.values():
            record.present.discard(person_id)
            record.other_course.discard(person_id)
            record.last_seen.pop(person_id, None)
