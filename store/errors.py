"""The store's own exceptions, and the translation of asyncpg's into them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from uuid import UUID

import asyncpg


class StoreError(Exception):
    """Base of every error the store raises."""


class NotFound(StoreError):
    """The row asked for does not exist."""

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key} not found")
        self.entity = entity
        self.key = key


class Conflict(StoreError):
    """A unique constraint refused the write (the thing exists already)."""

    def __init__(self, message: str, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class InvalidReference(StoreError):
    """A foreign key refused the write (it names a row that does not exist, or is in use)."""

    def __init__(self, message: str, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class InvalidValue(StoreError):
    """A check constraint or type refused a value."""


class ConsentMissing(StoreError):
    """Face data refused: the privacy rule wants a recorded consent these people lack."""

    def __init__(self, person_ids: Sequence[UUID]) -> None:
        names = ", ".join(str(person_id) for person_id in person_ids)
        super().__init__(
            f"no consent to face recognition is recorded for person {names}: record it first"
        )
        self.person_ids = tuple(person_ids)


class DatabaseUnavailable(StoreError):
    """PostgreSQL cannot be reached right now; the operation may succeed when retried."""


class MigrationError(StoreError):
    """The database schema cannot be brought to what this code expects."""


class SchemaTooNew(MigrationError):
    """The database was migrated by newer code than this; running on it could corrupt data."""


# Raised by asyncpg when the server went away mid-operation or cannot be reached at all. The
# client-side ones (InterfaceError, InternalClientError) show up when the server ends a session
# in the middle of a protocol exchange; the store's own connections are pooled and never shared,
# so for it they mean a broken connection rather than misuse.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.PostgresConnectionError,
    TimeoutError,
)


def _detail(error: asyncpg.PostgresError) -> str:
    detail = getattr(error, "detail", None)
    return f"{error.args[0] if error.args else error}" + (f" ({detail})" if detail else "")


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise asyncpg's exceptions as the store's, keeping the original as the cause."""
    try:
        yield
    except asyncpg.UniqueViolationError as error:
        raise Conflict(_detail(error), error.constraint_name) from error
    except (asyncpg.ForeignKeyViolationError, asyncpg.RestrictViolationError) as error:
        raise InvalidReference(_detail(error), error.constraint_name) from error
    except (
        asyncpg.CheckViolationError,
        asyncpg.NotNullViolationError,
        asyncpg.DataError,
    ) as error:
        raise InvalidValue(_detail(error)) from error
    except asyncpg.exceptions._base.DataError as error:
        # the driver could not encode an argument (an instant out of range, say): the caller's
        # value, not a broken connection (it is an InterfaceError too, so it is caught first)
        raise InvalidValue(str(error)) from error
    except CONNECTION_ERRORS as error:
        raise DatabaseUnavailable(f"PostgreSQL unavailable: {error}") from error
