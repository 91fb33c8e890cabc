"""The class running in a camera's room: which session attendance goes to, and who belongs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recognizer.ids import PersonId, SessionId
from recognizer.presence.errors import PresenceError


@dataclass(frozen=True)
class ClassContext:
    """Set per camera by the web layer while a class session runs in the camera's room.

    `roster` holds the person ids of the course's students: they become present (or late,
    when first seen after `late_after`); anyone else enrolled is reported as another course's.
    """

    session_id: SessionId
    roster: frozenset[PersonId]
    late_after: datetime
    starts_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "roster", frozenset(self.roster))
        for name in ("late_after", "starts_at"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise PresenceError(
                    f"class context {name} must be a timezone-aware datetime, got {value!r}"
                )
        if self.late_after < self.starts_at:
            raise PresenceError(
                f"class context late_after ({self.late_after.isoformat()}) is before "
                f"starts_at ({self.starts_at.isoformat()})"
            )
