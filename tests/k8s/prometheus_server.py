"""Debian's real Prometheus on 127.0.0.1 for tests: scraping the targets given, evaluating the
rule file given, answering its HTTP API (/api/v1/alerts)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.k8s.deployment_files import COMPOSE_DIR, load_yaml
from tests.web.e2e.service import free_port

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
POLL_S = 0.25


def prometheus_tool(name: str) -> str:
    """The path of `prometheus` or `promtool` (Debian's package `prometheus`)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install Debian's prometheus (.ci/apt-packages.txt)")
    return path


def prometheus_config(targets: list[str], rules: Path, interval_s: float) -> dict[str, Any]:
    """The compose setup's prometheus.yml, pointed at these targets and this rule file, with
    short scrape and evaluation intervals (the scrape timeout may not exceed the interval)."""
    config = load_yaml(COMPOSE_DIR / "prometheus.yml")
    interval = f"{round(interval_s * 1000)}ms"
    config["global"] = {
        **config["global"],
        "scrape_interval": interval,
        "scrape_timeout": interval,
        "evaluation_interval": interval,
    }
    config["rule_files"] = [str(rules)]
    (scrape,) = config["scrape_configs"]
    scrape["static_configs"] = [{"targets": targets}]
    return config


@dataclass
class Prometheus:
    url: str
    client: aiohttp.ClientSession

    async def alerts(self) -> list[dict[str, Any]]:
        """The active alerts (pending or firing): GET /api/v1/alerts."""
        async with self.client.get(f"{self.url}/api/v1/alerts") as response:
            response.raise_for_status()
            body = await response.json()
        return list(body["data"]["alerts"])

    async def targets_up(self) -> bool:
        async with self.client.get(f"{self.url}/api/v1/targets") as response:
            body = await response.json()
        active = body["data"]["activeTargets"]
        return bool(active) and all(t["health"] == "up" for t in active)

    async def wait_for(
        self,
        alert: str,
        state: str,
        timeout_s: float,
        labels: Callable[[dict[str, str]], bool] = lambda _: True,
    ) -> float:
        """Wait until `alert` is `state`: "firing" (an alert of that name, with labels that
        `labels` accepts, is firing) or "inactive" (none of them is pending or firing).
        Returns how long it took; fails with the alerts seen when it does not happen."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        seen: list[dict[str, Any]] = []
        while loop.time() - started < timeout_s:
            seen = [
                a
                for a in await self.alerts()
                if a["labels"]["alertname"] == alert and labels(a["labels"])
            ]
            if state == "firing" and any(a["state"] == "firing" for a in seen):
                return loop.time() - started
            if state == "inactive" and not seen:
                return loop.time() - started
            await asyncio.sleep(POLL_S)
        raise AssertionError(f"{alert} not {state} within {timeout_s} s; its alerts: {seen}")


@asynccontextmanager
async def running_prometheus(
    folder: Path, targets: list[str], rules: Path, interval_s: float = 1.0
) -> AsyncIterator[Prometheus]:
    """Prometheus on a free port of 127.0.0.1, its data in `folder`, until the block ends."""
    config = _write_config(folder, prometheus_config(targets, rules, interval_s))
    url = f"http://127.0.0.1:{free_port()}"
    with (folder / "prometheus.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            prometheus_tool("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address={url.removeprefix('http://')}",
            stdout=log,
            stderr=log,
        )
    try:
        async with aiohttp.ClientSession() as client:
            await _ready(process, url, client, folder / "prometheus.log")
            yield Prometheus(url, client)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()


def _write_config(folder: Path, config: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _text(path: Path) -> str:
    return path.read_text(errors="replace")


async def _ready(
    process: asyncio.subprocess.Process, url: str, client: aiohttp.ClientSession, log: Path
) -> None:
    async with asyncio.timeout(START_TIMEOUT_S):
        while True:
            if process.returncode is not None:
                raise AssertionError(f"prometheus ended with {process.returncode}:\n{_text(log)}")
            with contextlib.suppress(aiohttp.ClientError):
                async with client.get(f"{url}/-/ready") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(POLL_S)
