"""People: the students (and anyone else) the cameras may recognise, and their erasure."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from store.audit import append_audit
from store.errors import NotFound
from store.events import EventKind, append_event
from store.pagination import DEFAULT_PAGE_SIZE, Page, build_page, check_page
from store.repository import Connection, Repository, affected

PERSON_COLUMNS = "id, external_id, display_name, active, consent_at, created_at, updated_at"


@dataclass(frozen=True)
class Person:
    id: UUID
    external_id: str  # e.g. a student number; unique
    display_name: str
    active: bool
    consent_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Erasure:
    """What erasing a person removed."""

    person_id: UUID
    templates_deleted: int
    attendance_deleted: int
    attendance_anonymised: int


@dataclass(frozen=True)
class ConsentWithdrawal:
    """What withdrawing a person's consent removed: every face template of theirs."""

    person: Person
    templates_deleted: int


def person_from_row(row: asyncpg.Record) -> Person:
    return Person(**dict(row))


class People(Repository):
    def __init__(self, pool: asyncpg.Pool, *, erase_attendance: bool) -> None:
        super().__init__(pool)
        self._erase_attendance = erase_attendance

    async def create(
        self,
        *,
        external_id: str,
        display_name: str,
        consent_at: datetime | None = None,
        active: bool = True,
        actor: str = "system",
    ) -> Person:
        """Add a person; Conflict when the external id is taken."""
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                f"INSERT INTO people (external_id, display_name, consent_at, active)"
                f" VALUES ($1, $2, $3, $4) RETURNING {PERSON_COLUMNS}",
                external_id,
                display_name,
                consent_at,
                active,
            )
            assert row is not None
            await append_audit(
                connection,
                actor=actor,
                action="person.create",
                entity_type="person",
                entity_id=row["id"],
            )
        return person_from_row(row)

    async def import_many(
        self,
        rows: Sequence[tuple[str, str]],
        *,
        actor: str = "system",
        consent_at: datetime | None = None,
    ) -> tuple[UUID, ...]:
        """Add many people (external id, display name) in one transaction, each with the
        consent `consent_at` when given; returns their ids in input order. Conflict when any
        external id exists already: nothing is added then."""
        async with self._transaction() as connection:
            return await import_people(
                connection, rows, actor=actor, consents=[consent_at] * len(rows)
            )

    async def record_consent(
        self, person_id: UUID, *, at: datetime | None = None, actor: str = "system"
    ) -> Person:
        """Record that the person consented to face recognition (at `at`, or now); a consent
        already recorded keeps its time. Audited."""
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                f"UPDATE people SET consent_at = coalesce(consent_at, $2, now()),"
                f" updated_at = now() WHERE id = $1 RETURNING {PERSON_COLUMNS}",
                person_id,
                at,
            )
            if row is None:
                raise NotFound("person", person_id)
            await append_audit(
                connection,
                actor=actor,
                action="person.consent_record",
                entity_type="person",
                entity_id=person_id,
                details={"consent_at": row["consent_at"].isoformat()},
            )
        return person_from_row(row)

    async def withdraw_consent(self, person_id: UUID, *, actor: str) -> ConsentWithdrawal:
        """Clear the person's consent and delete every face template of theirs in one
        transaction (audited), and tell every gallery through the change feed to drop them,
        as an erasure does; the person, their rosters and attendance stay."""
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                f"UPDATE people SET consent_at = NULL, updated_at = now() WHERE id = $1"
                f" RETURNING {PERSON_COLUMNS}",
                person_id,
            )
            if row is None:
                raise NotFound("person", person_id)
            # what else was derived from their templates goes with them (ON DELETE CASCADE)
            templates = affected(
                await connection.execute(
                    "DELETE FROM face_templates WHERE person_id = $1", person_id
                )
            )
            await append_audit(
                connection,
                actor=actor,
                action="person.consent_withdraw",
                entity_type="person",
                entity_id=person_id,
                details={"templates_deleted": templates},
            )
            # the erasure's event: galleries (of this and older versions alike) drop the
            # person's templates and the engine forgets them at once
            await append_event(
                connection,
                EventKind.PERSON_ERASED,
                {"person_id": str(person_id), "reason": "consent_withdrawn"},
            )
        return ConsentWithdrawal(person_from_row(row), templates)

    async def get(self, person_id: UUID) -> Person:
        row = await self._fetchrow(f"SELECT {PERSON_COLUMNS} FROM people WHERE id = $1", person_id)
        if row is None:
            raise NotFound("person", person_id)
        return person_from_row(row)

    async def get_many(self, person_ids: Collection[UUID]) -> list[Person]:
        """Those of `person_ids` who exist (erased ones are left out), in one query and in no
        set order; for a few at a time (the faces of a frame), not for a whole campus."""
        rows = await self._fetch(
            f"SELECT {PERSON_COLUMNS} FROM people WHERE id = ANY($1::uuid[])", list(person_ids)
        )
        return [person_from_row(row) for row in rows]

    async def get_by_external_id(self, external_id: str) -> Person:
        row = await self._fetchrow(
            f"SELECT {PERSON_COLUMNS} FROM people WHERE external_id = $1", external_id
        )
        if row is None:
            raise NotFound("person with external id", external_id)
        return person_from_row(row)

    async def update(
        self,
        person_id: UUID,
        *,
        display_name: str | None = None,
        active: bool | None = None,
        consent_at: datetime | None = None,
    ) -> Person:
        """Change the given fields; the others keep their value."""
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                f"UPDATE people SET display_name = coalesce($2, display_name),"
                f" active = coalesce($3, active), consent_at = coalesce($4, consent_at),"
                f" updated_at = now() WHERE id = $1 RETURNING {PERSON_COLUMNS}",
                person_id,
                display_name,
                active,
                consent_at,
            )
            if row is None:
                raise NotFound("person", person_id)
            await append_event(
                connection,
                EventKind.PERSON_UPDATED,
                {"person_id": str(person_id), "active": row["active"]},
            )
        return person_from_row(row)

    async def list(
        self,
        *,
        active: bool | None = None,
        search: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
    ) -> Page[Person]:
        """Ordered by display name; `search` matches name or external id, case-insensitively."""
        check_page(limit, offset)
        rows = await self._fetch(
            f"SELECT {PERSON_COLUMNS} FROM people"
            " WHERE ($1::boolean IS NULL OR active = $1)"
            "   AND ($2::text IS NULL OR display_name ILIKE '%' || $2 || '%' ESCAPE '\\'"
            "        OR external_id ILIKE '%' || $2 || '%' ESCAPE '\\')"
            " ORDER BY display_name, id LIMIT $3 OFFSET $4",
            active,
            None if search is None else like_literal(search),
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, person_from_row)

    async def erase(self, person_id: UUID, *, actor: str) -> Erasure:
        """Remove a person and their templates (and attendance, per the setting) in one
        transaction, audit it, and tell every gallery through the change feed to drop them."""
        async with self._transaction() as connection:
            found = await connection.fetchval(
                "SELECT external_id FROM people WHERE id = $1 FOR UPDATE", person_id
            )
            if found is None:
                raise NotFound("person", person_id)
            templates = affected(
                await connection.execute(
                    "DELETE FROM face_templates WHERE person_id = $1", person_id
                )
            )
            deleted = anonymised = 0
            if self._erase_attendance:
                deleted = affected(
                    await connection.execute(
                        "DELETE FROM attendance WHERE person_id = $1", person_id
                    )
                )
            else:
                # the FK sets person_id to NULL: the row keeps counting, no longer says who
                anonymised = await connection.fetchval(
                    "SELECT count(*) FROM attendance WHERE person_id = $1", person_id
                )
            await connection.execute("DELETE FROM people WHERE id = $1", person_id)
            erasure = Erasure(person_id, templates, deleted, anonymised)
            # the external id is personal data: the audit row keeps only the fact and counts
            await append_audit(
                connection,
                actor=actor,
                action="person.erase",
                entity_type="person",
                entity_id=person_id,
                details={
                    "templates_deleted": templates,
                    "attendance_deleted": deleted,
                    "attendance_anonymised": anonymised,
                },
            )
            await append_event(connection, EventKind.PERSON_ERASED, {"person_id": str(person_id)})
        return erasure


async def import_people(
    connection: Connection,
    rows: Sequence[tuple[str, str]],
    *,
    actor: str,
    consents: Sequence[datetime | None] | None = None,
) -> tuple[UUID, ...]:
    """`People.import_many` in the caller's transaction; `consents` gives each row's
    consent_at (none recorded when left out)."""
    consent_at = list(consents) if consents is not None else [None] * len(rows)
    if len(consent_at) != len(rows):
        raise ValueError("one consent (or None) per row")
    found = await connection.fetch(
        "INSERT INTO people (external_id, display_name, consent_at)"
        " SELECT e, d, c FROM unnest($1::text[], $2::text[], $3::timestamptz[])"
        " WITH ORDINALITY AS t(e, d, c, n) ORDER BY n RETURNING id, external_id",
        [external_id for external_id, _ in rows],
        [name for _, name in rows],
        consent_at,
    )
    await append_audit(
        connection,
        actor=actor,
        action="person.import",
        entity_type="person",
        entity_id=None,
        details={"count": len(found)},
    )
    ids = {row["external_id"]: row["id"] for row in found}
    return tuple(ids[external_id] for external_id, _ in rows)


def like_literal(text: str) -> str:
    """`text` as a LIKE pattern that matches only itself: % and _ are not wildcards here."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
