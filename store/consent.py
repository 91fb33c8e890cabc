"""The consent check every write of face templates makes, inside its own transaction."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from store.errors import ConsentMissing
from store.repository import Connection


async def refuse_without_consent(connection: Connection, person_ids: Collection[UUID]) -> None:
    """ConsentMissing naming those of `person_ids` whose consent is not recorded (people who
    do not exist are left to the foreign key). The rows stay share-locked until the
    transaction ends: a withdrawal of consent running meanwhile either commits first (and
    this write is refused) or waits for this one and then deletes what it wrote."""
    rows = await connection.fetch(
        "SELECT id, consent_at FROM people WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE",
        list(set(person_ids)),
    )
    missing = [row["id"] for row in rows if row["consent_at"] is None]
    if missing:
        raise ConsentMissing(missing)
