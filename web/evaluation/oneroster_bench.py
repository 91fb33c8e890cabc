"""`rollcall bench oneroster`: how long a OneRoster bundle takes to import, twice in a row.

A generated bundle (`web.evaluation.oneroster_sample`) is written to a folder and imported the
way `rollcall import oneroster FOLDER` does it (read, check, write in one transaction) into a
scratch database, `runs` times in a row. The first run creates everything, the later ones
find nothing to change; the store's fingerprint after each run shows whether they all left the
same result.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from store.bench import scratch_database
from store.config import StoreConfig
from store.database import Database
from web.domain.oneroster_files import files_from_folder
from web.domain.oneroster_import import import_bundle
from web.evaluation.oneroster_sample import sample_roster


@dataclass(frozen=True)
class BundleSize:
    students: int = 1000
    classes: int = 50
    enrollments: int = 5000
    runs: int = 2


async def run_oneroster_benchmark(config: StoreConfig, size: BundleSize) -> dict[str, object]:
    roster = sample_roster(size.students, size.classes, size.enrollments)
    runs: list[dict[str, object]] = []
    prints: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="rollcall-oneroster-") as folder:
        roster.write_folder(Path(folder))
        async with (
            scratch_database(config, "oneroster") as scratch,
            Database.connect(scratch.dsn, config) as db,
        ):
            for _ in range(size.runs):
                started = time.perf_counter()
                files = await asyncio.to_thread(files_from_folder, Path(folder))
                summary = await import_bundle(
                    db, files, actor="rollcall-bench", run_cpu=asyncio.to_thread
                )
                seconds = time.perf_counter() - started
                changed = sum(asdict(summary.changes).values())
                runs.append({"seconds": round(seconds, 3), "changes": changed, **summary.as_dict()})
                prints.append(await db.oneroster.fingerprint())
    return {
        "students": size.students,
        "classes": size.classes,
        "enrollments": size.enrollments,
        "teachers": len(roster.rows["users.csv"]) - size.students,
        "seconds": [run["seconds"] for run in runs],
        "same_result": all(p == prints[0] for p in prints),
        "result": {k: v for k, v in prints[0].items() if k != "digest"} if prints else {},
        "postgres_version": scratch.server_version,
        "runs": runs,
    }
