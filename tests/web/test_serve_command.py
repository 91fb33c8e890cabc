"""`rollcall serve` as an operator runs it: a real process with its own embedded PostgreSQL,
ready on /health/ready, JSON logs, and a clean exit 0 on SIGTERM within the shutdown timeout."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

import aiohttp
import pytest

from tests.postgres_fixtures import short_temp_dir
from tests.web.test_process import free_port
from web.http.config import ServiceConfig

START_TIMEOUT_S = 180.0  # a first start runs initdb and loads the models


@pytest.fixture
def data_dir() -> Iterator[Path]:
    folder = short_temp_dir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def stderr_log(data_dir: Path) -> Iterator[BinaryIO]:
    with (data_dir / "stderr.log").open("wb") as log:
        yield log


@pytest.fixture
async def serve(data_dir: Path, stderr_log: BinaryIO) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "ROLLCALL_DATABASE_URL") and not key.startswith("ROLLCALL_")
    }
    env["ROLLCALL_STORE__DATA_DIR"] = str(data_dir)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "web.cli",
        "--log-level",
        "INFO",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(free_port()),
        env=env,
        cwd=data_dir,  # no .env of the checkout is read
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr_log,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _serving_url(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    async with asyncio.timeout(START_TIMEOUT_S):
        while True:
            line = await process.stdout.readline()
            if not line:
                pytest.fail(f"rollcall serve ended before serving (exit {await process.wait()})")
            if line.startswith(b"{"):
                return json.loads(line)["url"]


async def _wait_ready(url: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as client, asyncio.timeout(START_TIMEOUT_S):
        while True:
            async with client.get(f"{url}/health/ready") as response:
                body = await response.json()
                if response.status == 200:
                    return body
            await asyncio.sleep(0.2)


async def test_serve_becomes_ready_and_exits_0_on_sigterm_within_the_timeout(
    serve: asyncio.subprocess.Process, data_dir: Path
) -> None:
    url = await _serving_url(serve)
    body = await _wait_ready(url)
    assert body["status"] == "ready"

    serve.send_signal(signal.SIGTERM)
    async with asyncio.timeout(ServiceConfig().shutdown_timeout_s + 5):
        assert await serve.wait() == 0
    assert not (data_dir / "pg" / "postmaster.pid").exists(), "embedded PostgreSQL left running"
    assert serve.stdout is not None
    last_line = (await serve.stdout.read()).splitlines()[-1]
    assert json.loads(last_line) == {"event": "stopped", "exit_status": 0}
    logs = (data_dir / "stderr.log").read_text().splitlines()
    records = [json.loads(line) for line in logs if line.startswith("{")]
    assert records, "no JSON log lines"
    messages = {record["message"] for record in records}
    assert {"serving", "shutting down", "stopped"} <= messages


async def test_a_bad_setting_ends_serve_with_1_and_a_json_error_naming_it_but_not_its_value(
    data_dir: Path,
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ROLLCALL_")}
    env["ROLLCALL_RECOGNIZER__DET_THRESHOLD"] = "s3cret-looking-value"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "web.cli",
        "serve",
        env=env,
        cwd=data_dir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(START_TIMEOUT_S):
        stdout, stderr = await process.communicate()
    assert process.returncode == 1
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    assert result["kind"] == "ValidationError"
    assert "ROLLCALL_RECOGNIZER__DET_THRESHOLD" in result["error"]  # what an operator sets
    assert b"s3cret-looking-value" not in stdout + stderr


BENCH_TIMEOUT_S = 300.0  # builds two clips, starts PostgreSQL thrice, loads the models thrice


@pytest.mark.slow
async def test_bench_pipeline_prints_the_issue_s_figures_as_its_last_json_line(
    data_dir: Path, stderr_log: BinaryIO
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "ROLLCALL_DATABASE_URL") and not key.startswith("ROLLCALL_")
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "web.cli",
        "bench",
        "pipeline",
        "--cameras",
        "1,2",
        "--seconds",
        "8",
        "--naive-frames",
        "4",
        "--settled",
        "3",
        "--settled-cameras",
        "1",
        env=env,
        cwd=data_dir,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr_log,
    )
    try:
        async with asyncio.timeout(BENCH_TIMEOUT_S):
            stdout, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    said = (data_dir / "stderr.log").read_text()
    assert process.returncode == 0, said[-2000:]
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    assert [run["cameras"] for run in result["runs"]] == [1, 2]
    for run in result["runs"]:
        assert run["analyzed_fps_per_camera"] > 0
        assert run["cpu_per_camera"] > 0
        # students step in from half a second into the clip: some are voted present in 8 s
        assert 1 <= run["present_events"] <= run["present_expected"]
        assert run["event_latency_p50_s"] <= run["event_latency_p95_s"]
        assert {"scan", "embed", "decode", "act"} <= set(run["stage_cores"])
        assert run["limiting_stage"] in run["stage_cores"]
    # the table on stderr: a row per camera count
    rows = [line.split() for line in said.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows if len(row) >= 9][-2:] == ["1", "2"]
    settled = result["settled_room"]
    assert settled["cameras"] == 1
    assert settled["settled"]["cpu_per_camera"] > 0 and settled["filling"]["cpu_per_camera"] > 0
    if importlib.util.find_spec("insightface") is None:
        # InsightFace is not a Rollcall dependency: the naive side says why it is missing
        assert "insightface" in result["naive_error"].lower()
        assert result["naive_fps"] is None
        assert all(run["speedup_vs_faceanalysis"] is None for run in result["runs"])
    else:
        assert result["naive_error"] is None and result["naive_frames"] == 4
        assert result["naive_fps"] > 0
        assert all(run["speedup_vs_faceanalysis"] > 0 for run in result["runs"])
