"""Housekeeping of the store that some process must do now and then."""

from __future__ import annotations

import asyncio
import logging

from store.database import Database
from store.errors import StoreError

logger = logging.getLogger(__name__)

MAINTENANCE_INTERVAL_S = 600.0


async def maintain(database: Database, interval_s: float = MAINTENANCE_INTERVAL_S) -> None:
    """Forever: drop change-feed events past retention and expired sign-in tokens."""
    while True:
        try:
            events = await database.prune_events()
            tokens = await database.users.prune_expired_tokens()
            logger.info("store pruned", extra={"events": events, "tokens": tokens})
        except StoreError as error:
            logger.warning("store pruning failed, next try later: %s", error)
        await asyncio.sleep(interval_s)
