"""The embedded server after crashes: a lock left by a killed server, its PID reused by another
process or held by a zombie, and a server left running by a holder that was killed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from store import postmaster
from store.embedded import EmbeddedPostgres
from tests.conftest import PROJECT_ROOT
from tests.postgres_fixtures import short_temp_dir

pytestmark = pytest.mark.slow

DEAD_WITHIN_S = 5.0

# A Rollcall process holding the folder's server: prints the postmaster's PID once it is ready,
# leaves cleanly (stopping the server if it is the last holder) when its stdin closes.
HOLDER = """
import asyncio, sys
from pathlib import Path
from store.embedded import EmbeddedPostgres

async def main():
    async with EmbeddedPostgres(Path(sys.argv[1])) as server:
        pid = (server.pgdata / "postmaster.pid").read_text().split()[0]
        print(pid, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


@pytest.fixture
async def data_dir() -> AsyncIterator[Path]:
    folder = short_temp_dir()
    yield folder
    await EmbeddedPostgres(folder).stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def holders() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def start_holder(data_dir: Path, holders: list[subprocess.Popen[str]]) -> tuple[int, int]:
    """A holder in a process of its own; returns its PID and its postmaster's."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    holders.append(process)
    assert process.stdout is not None
    line = process.stdout.readline()  # the process ends (empty line) if it cannot start
    assert line.strip().isdigit(), f"the holder did not start (exit {process.wait(10)})"
    return process.pid, int(line)


def kill_postmaster(pid: int, pgdata: Path) -> None:
    """kill -9, then wait until the process is no server any more (gone or a zombie)."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + DEAD_WITHIN_S
    while postmaster.is_server_process(pid, pgdata):
        assert time.monotonic() < deadline, f"postmaster {pid} outlived SIGKILL"
        time.sleep(0.01)


def spawn(*command: str) -> subprocess.Popen[bytes]:
    """A child process of the test's own (plain Popen: asyncio's child watcher would reap it)."""
    return subprocess.Popen(command)


def wait_until_zombie(pid: int) -> None:
    deadline = time.monotonic() + DEAD_WITHIN_S
    while not postmaster.is_zombie(pid):
        assert time.monotonic() < deadline, f"{pid} is no zombie"
        time.sleep(0.01)


def postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().split()[0])


def write_pid_into_locks(pgdata: Path, pid: int) -> None:
    """Make the lock files name `pid`, as after a restart where that PID went to another."""
    locks = [pgdata / "postmaster.pid", *pgdata.glob(".s.PGSQL.*.lock")]
    assert len(locks) == 2, locks
    for lock in locks:
        lines = lock.read_text().split("\n")
        lock.write_text("\n".join([str(pid), *lines[1:]]))


async def answers(server: EmbeddedPostgres) -> bool:
    connection = await asyncpg.connect(server.dsn())
    try:
        return await connection.fetchval("SELECT true")
    finally:
        await connection.close()


async def test_after_kill_9_of_the_service_and_its_server_the_next_start_succeeds(
    data_dir: Path, holders: list[subprocess.Popen[str]]
) -> None:
    pgdata = data_dir / "pg"
    holder, killed = start_holder(data_dir, holders)
    os.kill(holder, signal.SIGKILL)
    kill_postmaster(killed, pgdata)
    assert (pgdata / "postmaster.pid").exists()

    async with EmbeddedPostgres(data_dir) as server:
        assert await answers(server)
        assert postmaster_pid(pgdata) != killed

    # the killed holder is no holder any more: this one was the last, and stopped the server
    assert not (pgdata / "postmaster.pid").exists()


async def test_a_lock_whose_pid_another_live_process_holds_is_cleared_and_that_process_spared(
    data_dir: Path,
) -> None:
    pgdata = data_dir / "pg"
    await EmbeddedPostgres(data_dir).start()
    kill_postmaster(postmaster_pid(pgdata), pgdata)
    other = spawn("sleep", "60")
    try:
        write_pid_into_locks(pgdata, other.pid)

        async with EmbeddedPostgres(data_dir) as server:
            assert await answers(server)
            assert postmaster_pid(pgdata) != other.pid

        assert other.poll() is None, "the process that had the PID was touched"
    finally:
        other.kill()
        other.wait(10)


async def test_a_lock_whose_pid_is_a_zombie_is_cleared(data_dir: Path) -> None:
    pgdata = data_dir / "pg"
    await EmbeddedPostgres(data_dir).start()
    kill_postmaster(postmaster_pid(pgdata), pgdata)
    zombie = spawn("true")  # exits at once; not reaped until wait()
    try:
        wait_until_zombie(zombie.pid)
        write_pid_into_locks(pgdata, zombie.pid)

        async with EmbeddedPostgres(data_dir) as server:
            assert await answers(server)

        assert postmaster.is_zombie(zombie.pid)  # still there all along
    finally:
        zombie.wait(10)


async def test_a_server_left_by_a_killed_holder_is_adopted_and_stopped_at_the_next_clean_stop(
    data_dir: Path, holders: list[subprocess.Popen[str]]
) -> None:
    pgdata = data_dir / "pg"
    holder, left_running = start_holder(data_dir, holders)
    os.kill(holder, signal.SIGKILL)  # the service alone crashes; its PostgreSQL runs on

    async with EmbeddedPostgres(data_dir) as server:
        assert await answers(server)
        assert postmaster_pid(pgdata) == left_running  # reused, not restarted

    assert not (pgdata / "postmaster.pid").exists()
    assert not postmaster.is_server_process(left_running, pgdata)


async def test_a_server_another_live_process_holds_is_left_running_until_the_last_one_leaves(
    data_dir: Path, holders: list[subprocess.Popen[str]]
) -> None:
    pgdata = data_dir / "pg"
    _, running = start_holder(data_dir, holders)

    async with EmbeddedPostgres(data_dir) as server:
        assert await answers(server)
    still_running = postmaster.is_server_process(running, pgdata)
    holder = holders[0]
    assert holder.stdin is not None
    holder.stdin.close()  # the other holder leaves cleanly: it is the last one now
    holder.wait(30)

    assert still_running
    assert holder.returncode == 0
    assert not (pgdata / "postmaster.pid").exists()


async def test_a_lock_of_a_live_server_is_never_taken_for_stale(data_dir: Path) -> None:
    pgdata = data_dir / "pg"
    async with EmbeddedPostgres(data_dir):
        pid = postmaster_pid(pgdata)
        state = postmaster.check(pgdata)
        removed = postmaster.remove_stale_lock_files(pgdata, state.lock)
        processes = postmaster.server_processes(pgdata)

    assert state.alive and state.ready and not state.stale
    assert removed == []
    assert pid in processes and os.getpid() not in processes


def test_a_lock_file_cut_short_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n{tmp_path}\n")

    state = postmaster.check(tmp_path)

    assert state.lock is not None and state.lock.pid == os.getpid()
    assert state.lock.status is None and state.lock.socket_path is None
    assert state.stale  # this test's own process is no PostgreSQL of that folder
