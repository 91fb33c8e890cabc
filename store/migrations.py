"""Versioned SQL migrations (store/migrations/NNNN_name.sql), applied in order and recorded.

Every pending file runs in ONE transaction under a transaction-level advisory lock, so two
processes starting together serialise and the second finds nothing left to do. A database
that holds a version this code does not know refuses to start (SchemaTooNew).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import asyncpg

from store.errors import MigrationError, SchemaTooNew, translated_errors
from store.repository import Connection

# An arbitrary constant shared by every Rollcall process: the key of the migration lock.
MIGRATION_LOCK_KEY = 0x526F6C6C63616C6C  # "Rollcall" in ASCII
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One SQL file of the schema's history."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AppliedMigration:
    version: int
    name: str
    checksum: str
    applied_at: datetime


@dataclass(frozen=True)
class MigrationStatus:
    """Where a database stands against the migrations this code ships."""

    current_version: int
    latest_version: int
    applied: tuple[AppliedMigration, ...]
    pending: tuple[int, ...]
    unknown: tuple[int, ...]  # applied versions this code does not have: the database is newer
    modified: tuple[int, ...]  # applied versions whose file changed since

    @property
    def up_to_date(self) -> bool:
        return not (self.pending or self.unknown or self.modified)

    def as_dict(self) -> dict[str, object]:
        return {
            "current_version": self.current_version,
            "latest_version": self.latest_version,
            "up_to_date": self.up_to_date,
            "pending": list(self.pending),
            "unknown": list(self.unknown),
            "modified": list(self.modified),
            "applied": [
                {"version": m.version, "name": m.name, "applied_at": m.applied_at.isoformat()}
                for m in self.applied
            ],
        }


def load_migrations() -> tuple[Migration, ...]:
    """The migrations shipped with the package, in version order; versions must run 1, 2, 3..."""
    folder = resources.files("store").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match is None:
            continue
        found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration versions must be contiguous: expected {expected:04d}")
    return tuple(found)


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


async def _applied(connection: Connection) -> tuple[AppliedMigration, ...]:
    exists = await connection.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return ()
    rows = await connection.fetch(
        "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
    )
    return tuple(AppliedMigration(**dict(row)) for row in rows)


def _compare(
    applied: tuple[AppliedMigration, ...], migrations: tuple[Migration, ...]
) -> MigrationStatus:
    known = {m.version: m for m in migrations}
    done = {m.version for m in applied}
    return MigrationStatus(
        current_version=max(done, default=0),
        latest_version=max(known, default=0),
        applied=applied,
        pending=tuple(v for v in sorted(known) if v not in done),
        unknown=tuple(m.version for m in applied if m.version not in known),
        modified=tuple(
            m.version
            for m in applied
            if m.version in known and known[m.version].checksum != m.checksum
        ),
    )


def _refuse_if_incompatible(status: MigrationStatus) -> None:
    if status.unknown:
        raise SchemaTooNew(
            f"the database schema is at version {status.current_version} but this code knows "
            f"only up to {status.latest_version}: it was migrated by a newer Rollcall; "
            "upgrade this installation instead of running it on that database"
        )
    if status.modified:
        raise MigrationError(
            f"applied migrations {list(status.modified)} differ from the files shipped with "
            "this code: released migrations must never be edited, add a new one instead"
        )


async def migration_status(
    connection: Connection, migrations: tuple[Migration, ...] | None = None
) -> MigrationStatus:
    """Read where the database stands, changing nothing."""
    with translated_errors():
        applied = await _applied(connection)
    return _compare(applied, migrations if migrations is not None else load_migrations())


async def migrate(
    connection: Connection, migrations: tuple[Migration, ...] | None = None
) -> tuple[int, ...]:
    """Apply every pending migration in one transaction; returns the versions applied."""
    migrations = migrations if migrations is not None else load_migrations()
    with translated_errors():
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
            await connection.execute(_CREATE_TABLE)
            status = _compare(await _applied(connection), migrations)
            _refuse_if_incompatible(status)
            by_version = {m.version: m for m in migrations}
            for version in status.pending:
                migration = by_version[version]
                try:
                    await connection.execute(migration.sql)
                except asyncpg.PostgresError as error:
                    raise MigrationError(
                        f"migration {version:04d}_{migration.name} failed: {error}"
                    ) from error
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    version,
                    migration.name,
                    migration.checksum,
                )
    return status.pending
