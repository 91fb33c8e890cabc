"""System of record on PostgreSQL (asyncpg): migrations, repositories, change feed.

Open it with `Database.open(StoreConfig(...))`: with no `database_url` it starts the embedded
PostgreSQL in `data_dir` (see store.embedded), migrates, and exposes one repository per
aggregate (`db.people`, `db.templates`, `db.rooms`, `db.cameras`, `db.courses`, `db.sessions`,
`db.attendance`, `db.users`, `db.audit`, `db.events`), the change feed (`db.change_feed()`)
and the attendance write buffer (`db.write_buffer()`). No SQL lives outside this package.
"""

from store.attendance import AttendanceRecord, AttendanceStatus, AttendanceUpsert, Sighting
from store.config import StoreConfig
from store.database import Database
from store.errors import (
    Conflict,
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
    "SchemaTooNew",
    "Sighting",
    "StoreConfig",
    "StoreError",
]
