"""Rooms: where class sessions happen and cameras hang."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from store.audit import append_audit
from store.errors import NotFound
from store.pagination import DEFAULT_PAGE_SIZE, Page, build_page, check_page
from store.repository import Repository, affected


@dataclass(frozen=True)
class Room:
    id: UUID
    name: str
    created_at: datetime


def _room(row: asyncpg.Record) -> Room:
    return Room(**dict(row))


class Rooms(Repository):
    async def create(self, name: str) -> Room:
        row = await self._fetchrow(
            "INSERT INTO rooms (name) VALUES ($1) RETURNING id, name, created_at", name
        )
        assert row is not None
        return _room(row)

    async def get(self, room_id: UUID) -> Room:
        row = await self._fetchrow("SELECT id, name, created_at FROM rooms WHERE id = $1", room_id)
        if row is None:
            raise NotFound("room", room_id)
        return _room(row)

    async def rename(self, room_id: UUID, name: str) -> Room:
        row = await self._fetchrow(
            "UPDATE rooms SET name = $2 WHERE id = $1 RETURNING id, name, created_at",
            room_id,
            name,
        )
        if row is None:
            raise NotFound("room", room_id)
        return _room(row)

    async def list(self, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0) -> Page[Room]:
        check_page(limit, offset)
        rows = await self._fetch(
            "SELECT id, name, created_at FROM rooms ORDER BY name, id LIMIT $1 OFFSET $2",
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, _room)

    async def delete(self, room_id: UUID, *, actor: str = "system") -> None:
        """InvalidReference while class sessions still take place in the room."""
        async with self._transaction() as connection:
            status = await connection.execute("DELETE FROM rooms WHERE id = $1", room_id)
            if affected(status) == 0:
                raise NotFound("room", room_id)
            await append_audit(
                connection, actor=actor, action="room.delete", entity_type="room", entity_id=room_id
            )
