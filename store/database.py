"""The open store: a connection pool, the repositories on it, the feed and the write buffer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg

from store.attendance import Attendance
from store.audit import AuditLog
from store.camera_leases import CameraLeases
from store.cameras import Cameras
from store.change_feed import ChangeFeed
from store.config import PrivacyConfig, StoreConfig
from store.courses import Courses
from store.errors import translated_errors
from store.events import EventCursor, EventLog
from store.imports import Imports
from store.migrations import MigrationStatus, migrate, migration_status
from store.oneroster import RosterImports
from store.people import People
from store.portraits import Portraits
from store.rooms import Rooms
from store.server import database_server
from store.sessions import ClassSessions
from store.templates import Templates
from store.users import Users
from store.write_buffer import (
    AttendanceWriteBuffer,
    FencedCallback,
    SettledCallback,
    WrittenCallback,
)


async def migrate_database(dsn: str) -> tuple[int, ...]:
    """Bring the schema up to date (SchemaTooNew if the database is ahead of this code)."""
    with translated_errors():
        connection = await asyncpg.connect(dsn)
    try:
        return await migrate(connection)
    finally:
        await connection.close()


async def database_status(dsn: str) -> MigrationStatus:
    with translated_errors():
        connection = await asyncpg.connect(dsn)
    try:
        return await migration_status(connection)
    finally:
        await connection.close()


class Database:
    """Everything the service reads and writes. Open it with `Database.open(config)`."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        dsn: str,
        config: StoreConfig,
        privacy: PrivacyConfig | None = None,
    ) -> None:
        self.dsn = dsn
        self.config = config
        self.privacy = privacy or PrivacyConfig()
        self._pool = pool
        consent_required = self.privacy.consent_required
        self.people = People(pool, erase_attendance=config.erase_attendance_on_delete)
        self.templates = Templates(pool, consent_required=consent_required)
        self.portraits = Portraits(pool)
        self.rooms = Rooms(pool)
        self.cameras = Cameras(pool)
        self.camera_leases = CameraLeases(pool)
        self.courses = Courses(pool)
        self.sessions = ClassSessions(pool)
        self.attendance = Attendance(pool)
        self.users = Users(pool)
        self.audit = AuditLog(pool)
        self.events = EventLog(pool)
        self.imports = Imports(pool, consent_required=consent_required)
        self.oneroster = RosterImports(pool)

    @classmethod
    @asynccontextmanager
    async def open(
        cls, config: StoreConfig, privacy: PrivacyConfig | None = None
    ) -> AsyncIterator[Database]:
        """Find or start the server, migrate, and open the pool for the block. `privacy`
        (default: consent recorded in Rollcall) is the rule every template write obeys."""
        async with (
            database_server(config) as dsn,
            cls.connect(dsn, config, privacy) as database,
        ):
            yield database

    @classmethod
    @asynccontextmanager
    async def connect(
        cls, dsn: str, config: StoreConfig, privacy: PrivacyConfig | None = None
    ) -> AsyncIterator[Database]:
        """Migrate the database at `dsn` and open the pool on it for the block."""
        await migrate_database(dsn)
        with translated_errors():
            pool = await asyncpg.create_pool(
                dsn,
                min_size=config.pool_min_size,
                max_size=config.pool_max_size,
                command_timeout=config.command_timeout_s,
            )
        try:
            yield cls(pool, dsn, config, privacy)
        finally:
            await pool.close()

    async def ping(self) -> bool:
        """True when a query round trip succeeds now (readiness)."""
        try:
            with translated_errors():
                return bool(await self._pool.fetchval("SELECT true", timeout=2.0))
        except Exception:
            return False

    async def migration_status(self) -> MigrationStatus:
        return await database_status(self.dsn)

    async def prune_events(self) -> int:
        """Drop change-feed events older than the configured retention."""
        return await self.events.prune(timedelta(hours=self.config.event_retention_hours))

    def change_feed(self, after: EventCursor | None = None) -> ChangeFeed:
        """A listener on its own connection (enter it with `async with`)."""
        return ChangeFeed(
            self.dsn,
            after=after,
            retry_initial_s=self.config.retry_initial_s,
            retry_max_s=self.config.retry_max_s,
            poll_interval_s=self.config.feed_poll_interval_s,
        )

    def write_buffer(
        self,
        on_written: WrittenCallback | None = None,
        shutdown_timeout_s: float = 30.0,
        on_settled: SettledCallback | None = None,
        journaled: bool = False,
        on_fenced: FencedCallback | None = None,
    ) -> AttendanceWriteBuffer:
        """A buffer for attendance writes (enter it with `async with`)."""
        return AttendanceWriteBuffer(
            self.attendance,
            capacity=self.config.write_buffer_depth,
            batch_size=self.config.write_batch_size,
            retry_initial_s=self.config.retry_initial_s,
            retry_max_s=self.config.retry_max_s,
            on_written=on_written,
            shutdown_timeout_s=shutdown_timeout_s,
            on_settled=on_settled,
            journaled=journaled,
            on_fenced=on_fenced,
        )
