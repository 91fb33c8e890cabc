"""People's portraits: the JPEG face crop a board shows beside a name.

A portrait belongs to the template made from the same enrolment photo (its row goes when that
template or the person goes). The newest enrolment replaces it: the latest photo is the one
most like the student today.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

from store.audit import append_audit
from store.repository import Connection, Repository, affected


class Portraits(Repository):
    async def image(self, person_id: UUID) -> bytes | None:
        """The person's portrait JPEG, or None when they have none."""
        data = await self._fetchval(
            "SELECT image FROM person_portraits WHERE person_id = $1", person_id
        )
        return None if data is None else bytes(data)

    async def people_with(self, person_ids: Collection[UUID]) -> frozenset[UUID]:
        """Which of `person_ids` have a portrait (one query, whatever the class size)."""
        if not person_ids:
            return frozenset()
        rows = await self._fetch(
            "SELECT person_id FROM person_portraits WHERE person_id = ANY($1::uuid[])",
            list(person_ids),
        )
        return frozenset(row["person_id"] for row in rows)

    async def put(self, person_id: UUID, template_id: UUID, image: bytes) -> None:
        """Set the portrait from an existing template's photo (its own transaction)."""
        async with self._transaction() as connection:
            await put_portrait(connection, person_id, template_id, image)

    async def delete_all(self, *, actor: str) -> int:
        """Remove every portrait (the school turned them off); audited when any went."""
        async with self._transaction() as connection:
            removed = affected(await connection.execute("DELETE FROM person_portraits"))
            if removed:
                await append_audit(
                    connection,
                    actor=actor,
                    action="portraits.delete_all",
                    entity_type="person",
                    entity_id=None,
                    details={"count": removed},
                )
        return removed


async def put_portrait(
    connection: Connection, person_id: UUID, template_id: UUID, image: bytes
) -> None:
    """Set the person's portrait, in the caller's transaction (the one writing the template)."""
    await connection.execute(
        "INSERT INTO person_portraits (person_id, template_id, image) VALUES ($1, $2, $3)"
        " ON CONFLICT (person_id) DO UPDATE"
        " SET template_id = excluded.template_id, image = excluded.image, created_at = now()",
        person_id,
        template_id,
        image,
    )


async def put_portraits(
    connection: Connection, portraits: Sequence[tuple[UUID, UUID, bytes]]
) -> None:
    """Many (person, template, JPEG) portraits in one statement (a bulk import's)."""
    if not portraits:
        return
    await connection.execute(
        "INSERT INTO person_portraits (person_id, template_id, image)"
        " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bytea[])"
        " ON CONFLICT (person_id) DO UPDATE"
        " SET template_id = excluded.template_id, image = excluded.image, created_at = now()",
        [person for person, _, _ in portraits],
        [template for _, template, _ in portraits],
        [image for _, _, image in portraits],
    )
