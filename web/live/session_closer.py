"""Sessions nobody stopped are closed at their scheduled end, and their absentees marked.

Every process runs it; the store's conditional update lets exactly one of them close each
session, so replicas never mark absentees twice or fight over a session.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from store.database import Database
from store.errors import StoreError
from store.sessions import ClassSession

logger = logging.getLogger(__name__)

CLOSE_INTERVAL_S = 30.0


async def close_ended_sessions(database: Database) -> list[ClassSession]:
    """Close what has ended by now; absentees marked for each session this call closed."""
    closed = await database.sessions.close_ended(datetime.now(UTC))
    for session in closed:
        absent = await database.attendance.mark_absentees(session.id)
        logger.info(
            "class session closed at its scheduled end",
            extra={"session_id": str(session.id), "absent": absent},
        )
    return closed


async def keep_closing_ended_sessions(
    database: Database, interval_s: float = CLOSE_INTERVAL_S
) -> None:
    """Forever, every `interval_s`; a database away is tried again next time."""
    while True:
        try:
            await close_ended_sessions(database)
        except StoreError as error:
            logger.warning("ended sessions not closed, next try later: %s", error)
        await asyncio.sleep(interval_s)
