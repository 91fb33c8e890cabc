"""System of record on PostgreSQL (asyncpg): migrations, repositories, change feed.

Open it with `Database.open(StoreConfig(...))`: with no `database_url` it starts the embedded
PostgreSQL in `data_dir` (see store.embedded), migrates, and exposes one repository per
aggregate (`db.people`, `db.templates`, `db.rooms`, `db.cameras`, `db.courses`, `db.sessions`,
`db.attendance`, `db.users`, `db.audit`, `db.events`) plus `db.imports` for bulk enrolment
across them, `db.oneroster` for rostering from a OneRoster bundle, the change feed
(`db.change_feed()`) and the attendance write buffer (`db.write_buffer()`). No SQL lives
outside this package.

Every change someone makes is audited inside its own transaction: the function that makes it
takes the actor and writes the audit entry with it (store.audit.append_audit), so a change and
its entry land together or not at all.
"""

from store.attendance import AttendanceRecord, AttendanceStatus, AttendanceUpsert, Sighting
from store.config import ConsentRule, PrivacyConfig, StoreConfig
from store.database import Database
from store.errors import (
    Conflict,
    ConsentMissing,
    DatabaseUnavailable,
    InvalidReference,
    InvalidValue,
    MigrationError,
    NotFound,
    SchemaTooNew,
    StoreError,
)
from store.events import Event, EventCursor, EventKind
from store.pagination import Page

__all__ = [
    "AttendanceRecord",
    "AttendanceStatus",
    "AttendanceUpsert",
    "Conflict",
    "ConsentMissing",
    "ConsentRule",
    "Database",
    "DatabaseUnavailable",
    "Event",
    "EventCursor",
    "EventKind",
    "InvalidReference",
    "InvalidValue",
    "MigrationError",
    "NotFound",
    "Page",
    "PrivacyConfig",
    "SchemaTooNew",
    "Sighting",
    "StoreConfig",
    "StoreError",
]
