"""Cameras: RTSP, WebRTC (browser) or file sources, each in a room, with its own access token.

A camera URL's password is stored apart from the URL and never appears in `repr`, in
`redacted_url` or in logs; only `connection_url()` puts it back, for the code that connects.
The camera's access token is stored hashed (store.tokens).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote, unquote, urlsplit, urlunsplit
from uuid import UUID

import asyncpg

from store.audit import append_audit
from store.errors import InvalidValue, NotFound
from store.events import EventKind, append_event
from store.pagination import DEFAULT_PAGE_SIZE, Page, build_page, check_page
from store.repository import Connection, Repository, affected
from store.tokens import hash_token, new_token, token_matches

_COLUMNS = "id, room_id, name, kind, url, url_password, enabled, created_at"


class CameraKind(StrEnum):
    RTSP = "rtsp"
    WEBRTC = "webrtc"
    FILE = "file"


def split_password(url: str) -> tuple[str, str | None]:
    """Separate the password from a URL: (URL without it, password or None)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{parts.username or ''}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password)


def _with_password(url: str, password: str | None, shown: str | None = None) -> str:
    if password is None:
        return url
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    secret = shown if shown is not None else quote(password, safe="")
    return urlunsplit(parts._replace(netloc=f"{user}:{secret}@{host}"))


@dataclass(frozen=True)
class Camera:
    id: UUID
    room_id: UUID | None
    name: str
    kind: CameraKind
    url: str | None  # without the password
    password: str | None = field(repr=False)
    enabled: bool
    created_at: datetime

    @property
    def redacted_url(self) -> str | None:
        """The URL as it may be shown and logged: the password replaced by ***."""
        return None if self.url is None else _with_password(self.url, self.password, "***")

    def connection_url(self) -> str | None:
        """The full URL, password included: for the code that opens the stream, never to log."""
        return None if self.url is None else _with_password(self.url, self.password)


@dataclass(frozen=True)
class NewCamera:
    """A camera just created, with the access token that is shown this one time only."""

    camera: Camera
    access_token: str = field(repr=False)


def _camera(row: asyncpg.Record) -> Camera:
    values = dict(row)
    values["password"] = values.pop("url_password")
    values["kind"] = CameraKind(values["kind"])
    return Camera(**values)


class Cameras(Repository):
    async def create(
        self,
        *,
        name: str,
        kind: CameraKind,
        url: str | None = None,
        room_id: UUID | None = None,
        enabled: bool = True,
        actor: str = "system",
    ) -> NewCamera:
        if kind is not CameraKind.WEBRTC and not url:
            raise InvalidValue(f"a {kind.value} camera needs a URL")
        stored_url, password = split_password(url) if url else (None, None)
        token = new_token()
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                f"INSERT INTO cameras (name, kind, url, url_password, room_id, enabled,"
                f" access_token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}",
                name,
                kind.value,
                stored_url,
                password,
                room_id,
                enabled,
                hash_token(token),
            )
            assert row is not None
            await _audit(connection, actor, "camera.create", row["id"])
            await append_event(connection, EventKind.CAMERA_CHANGED, {"camera_id": str(row["id"])})
        return NewCamera(_camera(row), token)

    async def get(self, camera_id: UUID) -> Camera:
        row = await self._fetchrow(f"SELECT {_COLUMNS} FROM cameras WHERE id = $1", camera_id)
        if row is None:
            raise NotFound("camera", camera_id)
        return _camera(row)

    async def list(
        self,
        *,
        room_id: UUID | None = None,
        enabled: bool | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
    ) -> Page[Camera]:
        check_page(limit, offset)
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM cameras WHERE ($1::uuid IS NULL OR room_id = $1)"
            " AND ($2::boolean IS NULL OR enabled = $2) ORDER BY name, id LIMIT $3 OFFSET $4",
            room_id,
            enabled,
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, _camera)

    async def set_enabled(self, camera_id: UUID, enabled: bool, *, actor: str = "system") -> Camera:
        async with self._transaction() as connection:
            row = await _set_enabled(connection, camera_id, enabled, actor)
            await append_event(connection, EventKind.CAMERA_CHANGED, {"camera_id": str(camera_id)})
        return _camera(row)

    async def update(
        self,
        camera_id: UUID,
        *,
        name: str | None = None,
        room_id: UUID | None = None,
        clear_room: bool = False,
        enabled: bool | None = None,
        actor: str = "system",
    ) -> Camera:
        """Rename the camera or move it to another room (or to none with `clear_room`), and
        enable or disable it: what is given, all or nothing, each step audited."""
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                f"SELECT {_COLUMNS} FROM cameras WHERE id = $1 FOR UPDATE", camera_id
            )
            if row is None:
                raise NotFound("camera", camera_id)
            before = row
            if name is not None or room_id is not None or clear_room:
                row = await connection.fetchrow(
                    "UPDATE cameras SET name = coalesce($2, name),"
                    " room_id = CASE WHEN $4 THEN NULL ELSE coalesce($3, room_id) END"
                    f" WHERE id = $1 RETURNING {_COLUMNS}",
                    camera_id,
                    name,
                    room_id,
                    clear_room,
                )
                assert row is not None  # the row is locked: nobody deleted it meanwhile
                details = {"name": row["name"], "room_id": str(row["room_id"])}
                await _audit(connection, actor, "camera.update", camera_id, details)
            if enabled is not None and enabled != row["enabled"]:
                row = await _set_enabled(connection, camera_id, enabled, actor)
            if row is not before:
                await append_event(
                    connection, EventKind.CAMERA_CHANGED, {"camera_id": str(camera_id)}
                )
        return _camera(row)

    async def rotate_token(self, camera_id: UUID, *, actor: str = "system") -> str:
        """Replace the camera's token; the old one stops working at once."""
        token = new_token()
        async with self._transaction() as connection:
            status = await connection.execute(
                "UPDATE cameras SET access_token_hash = $2 WHERE id = $1",
                camera_id,
                hash_token(token),
            )
            if affected(status) == 0:
                raise NotFound("camera", camera_id)
            await _audit(connection, actor, "camera.rotate_token", camera_id)
        return token

    async def verify_token(self, camera_id: UUID, token: str) -> bool:
        """True when `token` is this enabled camera's current token."""
        stored = await self._fetchval(
            "SELECT access_token_hash FROM cameras WHERE id = $1 AND enabled", camera_id
        )
        return stored is not None and token_matches(token, stored)

    async def with_token(self, token: str) -> Camera | None:
        """The enabled camera whose current token is `token`, or None: how a camera signs in
        with its token alone (tokens are random, so at most one hash matches)."""
        row = await self._fetchrow(
            f"SELECT {_COLUMNS} FROM cameras WHERE access_token_hash = $1 AND enabled",
            hash_token(token),
        )
        return None if row is None else _camera(row)

    async def delete(self, camera_id: UUID, *, actor: str = "system") -> None:
        async with self._transaction() as connection:
            status = await connection.execute("DELETE FROM cameras WHERE id = $1", camera_id)
            if affected(status) == 0:
                raise NotFound("camera", camera_id)
            await _audit(connection, actor, "camera.delete", camera_id)
            await append_event(connection, EventKind.CAMERA_CHANGED, {"camera_id": str(camera_id)})


async def _set_enabled(
    connection: Connection, camera_id: UUID, enabled: bool, actor: str
) -> asyncpg.Record:
    row = await connection.fetchrow(
        f"UPDATE cameras SET enabled = $2 WHERE id = $1 RETURNING {_COLUMNS}", camera_id, enabled
    )
    if row is None:
        raise NotFound("camera", camera_id)
    await _audit(connection, actor, "camera.enable" if enabled else "camera.disable", camera_id)
    return row


async def _audit(
    connection: Connection,
    actor: str,
    action: str,
    camera_id: UUID,
    details: dict[str, str] | None = None,
) -> None:
    await append_audit(
        connection,
        actor=actor,
        action=action,
        entity_type="camera",
        entity_id=camera_id,
        details=details,
    )
