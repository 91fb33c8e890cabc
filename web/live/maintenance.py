"""Housekeeping of the store that some process must do now and then."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor

from store.database import Database
from store.errors import StoreError
from web.domain.unknown_faces import UnknownFaceStore

logger = logging.getLogger(__name__)

MAINTENANCE_INTERVAL_S = 600.0


async def maintain(
    database: Database,
    interval_s: float = MAINTENANCE_INTERVAL_S,
    *,
    unknown_faces: UnknownFaceStore | None = None,
    executor: Executor | None = None,
) -> None:
    """Forever: drop change-feed events past retention and expired sign-in tokens, and kept
    unknown-face images past theirs (also while keeping is off: images kept before expire)."""
    while True:
        try:
            events = await database.prune_events()
            tokens = await database.users.prune_expired_tokens()
            logger.info("store pruned", extra={"events": events, "tokens": tokens})
        except StoreError as error:
            logger.warning("store pruning failed, next try later: %s", error)
        if unknown_faces is not None:
            await _prune_unknown_faces(unknown_faces, executor)
        await asyncio.sleep(interval_s)


async def _prune_unknown_faces(store: UnknownFaceStore, executor: Executor | None) -> None:
    try:
        images = await asyncio.get_running_loop().run_in_executor(executor, store.prune)
    except OSError as error:
        logger.warning("unknown-face images not pruned, next try later: %s", error)
        return
    if images:
        logger.info("unknown-face images pruned", extra={"images": images})
