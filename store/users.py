"""Users of the service (teachers and admins) and their bearer tokens.

The store keeps password hashes only (see store.passwords). Bearer tokens are random, so they
are stored as SHA-256 hashes and checked with one indexed lookup on every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import asyncpg

from store.audit import append_audit
from store.errors import Conflict, NotFound
from store.pagination import DEFAULT_PAGE_SIZE, Page, build_page, check_page
from store.repository import Connection, Repository, affected
from store.tokens import hash_token, new_token

_COLUMNS = "id, username, display_name, role, active, created_at"


class Role(StrEnum):
    TEACHER = "teacher"
    ADMIN = "admin"


class LastAdmin(Conflict):
    """The change would leave no active admin, so nobody could administer the service."""

    def __init__(self) -> None:
        super().__init__("this is the last active admin: add another first")


@dataclass(frozen=True)
class User:
    id: UUID
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Credentials:
    """A user with their password hash: only for the login check."""

    user: User
    password_hash: str = field(repr=False)  # a login failure logged with it would leak it


def _user(row: asyncpg.Record) -> User:
    values = {key: row[key] for key in _COLUMNS.replace(" ", "").split(",")}
    values["role"] = Role(values["role"])
    return User(**values)


class Users(Repository):
    async def create(
        self,
        *,
        username: str,
        password_hash: str,
        role: Role,
        display_name: str = "",
        actor: str = "system",
    ) -> User:
        """Conflict when the username is taken."""
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                f"INSERT INTO users (username, password_hash, role, display_name)"
                f" VALUES ($1, $2, $3, $4) RETURNING {_COLUMNS}",
                username,
                password_hash,
                role.value,
                display_name,
            )
            assert row is not None
            await append_audit(
                connection,
                actor=actor,
                action="user.create",
                entity_type="user",
                entity_id=row["id"],
                details={"role": role.value},
            )
        return _user(row)

    async def get(self, user_id: UUID) -> User:
        row = await self._fetchrow(f"SELECT {_COLUMNS} FROM users WHERE id = $1", user_id)
        if row is None:
            raise NotFound("user", user_id)
        return _user(row)

    async def credentials(self, username: str) -> Credentials:
        """The active user and their hash; NotFound for unknown or disabled users."""
        row = await self._fetchrow(
            f"SELECT {_COLUMNS}, password_hash FROM users WHERE username = $1 AND active",
            username,
        )
        if row is None:
            raise NotFound("user", username)
        return Credentials(_user(row), row["password_hash"])

    async def set_password_hash(
        self, user_id: UUID, password_hash: str, *, actor: str = "system"
    ) -> None:
        """Replace the hash and end every session of the user."""
        async with self._transaction() as connection:
            status = await connection.execute(
                "UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash
            )
            if affected(status) == 0:
                raise NotFound("user", user_id)
            await connection.execute("DELETE FROM user_tokens WHERE user_id = $1", user_id)
            await append_audit(
                connection,
                actor=actor,
                action="user.password_reset",
                entity_type="user",
                entity_id=user_id,
            )

    async def set_active(self, user_id: UUID, active: bool) -> User:
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                f"UPDATE users SET active = $2 WHERE id = $1 RETURNING {_COLUMNS}",
                user_id,
                active,
            )
            if row is None:
                raise NotFound("user", user_id)
            if not active:
                await connection.execute("DELETE FROM user_tokens WHERE user_id = $1", user_id)
        return _user(row)

    async def update(
        self,
        user_id: UUID,
        *,
        role: Role | None = None,
        active: bool | None = None,
        display_name: str | None = None,
        actor: str = "system",
    ) -> User:
        """Change what is given, leave the rest; deactivating ends the user's sessions.
        LastAdmin when it would leave no active admin: nothing changes then."""
        given = {
            "role": None if role is None else role.value,
            "active": active,
            "display_name": display_name,
        }
        async with self._transaction() as connection:
            if active is False or role is Role.TEACHER:
                await _keep_an_admin(connection, user_id)
            row = await connection.fetchrow(
                "UPDATE users SET role = COALESCE($2, role), active = COALESCE($3, active),"
                f" display_name = COALESCE($4, display_name) WHERE id = $1 RETURNING {_COLUMNS}",
                user_id,
                None if role is None else role.value,
                active,
                display_name,
            )
            if row is None:
                raise NotFound("user", user_id)
            if active is False:
                await connection.execute("DELETE FROM user_tokens WHERE user_id = $1", user_id)
            await append_audit(
                connection,
                actor=actor,
                action="user.deactivate" if active is False else "user.change",
                entity_type="user",
                entity_id=user_id,
                details={key: value for key, value in given.items() if value is not None},
            )
        return _user(row)

    async def list(self, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0) -> Page[User]:
        check_page(limit, offset)
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM users ORDER BY username LIMIT $1 OFFSET $2",
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, _user)

    async def count_admins(self) -> int:
        return int(
            await self._fetchval("SELECT count(*) FROM users WHERE role = 'admin' AND active")
        )

    async def issue_token(self, user_id: UUID, ttl: timedelta) -> str:
        """A new bearer token for the user, valid for `ttl`; shown once, stored hashed."""
        token = new_token()
        await self._execute(
            "INSERT INTO user_tokens (token_hash, user_id, expires_at)"
            " VALUES ($1, $2, now() + $3::interval)",
            hash_token(token),
            user_id,
            ttl,
        )
        return token

    async def user_for_token(self, token: str) -> User | None:
        """The active user a valid, unexpired token belongs to, else None."""
        row = await self._fetchrow(
            f"SELECT {', '.join(f'u.{c.strip()}' for c in _COLUMNS.split(','))}"
            " FROM user_tokens t JOIN users u ON u.id = t.user_id"
            " WHERE t.token_hash = $1 AND t.expires_at > now() AND u.active",
            hash_token(token),
        )
        return None if row is None else _user(row)

    async def revoke_token(self, token: str) -> None:
        await self._execute("DELETE FROM user_tokens WHERE token_hash = $1", hash_token(token))

    async def prune_expired_tokens(self) -> int:
        return affected(await self._execute("DELETE FROM user_tokens WHERE expires_at <= now()"))


async def _keep_an_admin(connection: Connection, user_id: UUID) -> None:
    """LastAdmin when `user_id` is the only active admin. Every active admin's row is locked
    first, so two admins demoting each other at once are taken one after the other: the second
    sees the first's change and is refused."""
    admins = await connection.fetch(
        "SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE"
    )
    if [row["id"] for row in admins] == [user_id]:
        raise LastAdmin()
