"""`rollcall serve` as an operator runs it: a real process with its own embedded PostgreSQL,
ready on /health/ready, JSON logs, and a clean exit 0 on SIGTERM within the shutdown timeout."""

from __future__ import annotations

import asyncio
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
from tests.web.test_runtime import free_port
from web.config import ServiceConfig

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
