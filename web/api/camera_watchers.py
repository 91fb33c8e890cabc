"""Who may watch what a camera sees: its live view, and its face boxes over the WebSocket.

An admin any camera; a teacher a camera whose room takes attendance now (an open class session,
or a scheduled one whose time has come: the session the camera counts for). Teachers may
follow every session (the board offers them all), so no teacher is tied to a room beyond that.
Asked of the database: a replica knows the sessions of its own cameras' rooms only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from store.users import Role, User
from web.http.services import Services

TEACHER_RULE = "a teacher may watch a camera only while its room has an open class session"


async def may_watch(services: Services, user: User, room_id: UUID | None) -> bool:
    if user.role is Role.ADMIN:
        return True
    if room_id is None:
        return False
    return await services.database.sessions.current_in_room(room_id, datetime.now(UTC)) is not None
