"""The process composition root: open the database, load the models, start the live runtime,
serve the app, and on SIGTERM or SIGINT take everything down in order.

Shutdown order: stop accepting connections and close WebSocket clients (the HTTP runner),
then stop cameras, flush buffered attendance writes and close peers (the live runtime), then
close the pool and stop an embedded PostgreSQL (the database). A watchdog ends the process if
all of that overruns `service.shutdown_timeout_s`, so an orchestrator's kill is never needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from store.database import Database
from web.api.live_view import track_live_views
from web.api.websocket import track_websockets
from web.app import build_app
from web.http.access_log import AccessLogger
from web.http.config import ServiceConfig
from web.http.services import RateLimits, Services
from web.live.runtime import LiveRuntime
from web.settings import Settings
from web.telemetry.metrics import Metrics

if TYPE_CHECKING:
    from web.demo.seed import DemoSetup

logger = logging.getLogger(__name__)

# Exit status when the shutdown watchdog had to cut the shutdown short.
SHUTDOWN_OVERRUN = 70


FIRST_ADMIN_HINT = "create one with `rollcall user add NAME --role admin` (it asks for a password)"


@dataclass(frozen=True)
class Announcement:
    """What a started service tells its operator (printed as one JSON line on stdout)."""

    url: str
    host: str
    port: int
    demo: dict[str, Any] | None = None
    needs_admin: bool = False  # nobody can sign in yet: the first admin is made by command
    data_dir: str | None = None  # the embedded database's folder; None with DATABASE_URL


def demo_data_dir(settings: Settings) -> Path:
    """Where the demo keeps its video: beside the embedded database's folder."""
    return settings.store.data_dir / "demo"


def _listening(settings: Settings, host: str | None, port: int | None) -> Settings:
    """The settings with the command line's --host/--port on top, validated like the rest."""
    overrides = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    service = ServiceConfig.model_validate({**settings.service.model_dump(), **overrides})
    return settings.model_copy(update={"service": service})


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for signum in _STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield
    finally:
        for signum in _STOP_SIGNALS:
            loop.remove_signal_handler(signum)


async def _watch_shutdown(stop: asyncio.Event, timeout_s: float) -> threading.Event:
    """Once asked to stop, a thread that ends the process if the shutdown has not finished
    in time; set the returned event when it has."""
    await stop.wait()
    finished = threading.Event()

    def watch() -> None:
        if not finished.wait(timeout_s):
            logger.error("shutdown overran %.0f s; exiting now", timeout_s)
            logging.shutdown()
            os._exit(SHUTDOWN_OVERRUN)

    threading.Thread(target=watch, name="rollcall-shutdown-watchdog", daemon=True).start()
    return finished


async def _seed_demo(database: Database, analyzer: FaceAnalyzer, settings: Settings) -> DemoSetup:
    from web.demo.seed import seed_demo  # composing the demo video pulls in PyAV and OpenCV

    return await seed_demo(
        database,
        analyzer,
        demo_data_dir(settings),
        settings.demo,
        portraits=settings.service.board_photos,
    )


def _announce(announcement: Announcement, emit: Callable[[str], None]) -> None:
    lines = [f"Rollcall is serving on {announcement.url}"]
    if announcement.data_dir is not None:
        lines.append(f"Data:       {announcement.data_dir} (ROLLCALL_STORE__DATA_DIR moves it)")
    if announcement.demo is not None:
        demo = announcement.demo
        lines.append(f"Board:      {demo['board_url']} (open it in a browser)")
        lines.append(f"Demo login: {demo['username']} / {demo['password']}")
        lines.append(f"Admin:      {announcement.url}/admin/people")
        lines.append(f"Sign in:    POST {announcement.url}/api/auth/login -> a bearer token")
        lines.append(f"Attendance: GET {demo['attendance_url']}")
        lines.append(f"Live:       {demo['websocket_url']} then {demo['subscribe']}")
        lines.append(f"API docs:   {announcement.url}/api/docs")
    if announcement.needs_admin:
        lines.append(f"No admin yet: {FIRST_ADMIN_HINT}, then sign in at {announcement.url}")
    for line in lines:
        emit(line)
    emit(json.dumps({"event": "serving", **announcement.__dict__}))


async def run_service(
    settings: Settings,
    *,
    demo: bool,
    port: int | None,
    host: str | None = None,
    emit: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Serve until SIGTERM or SIGINT (or `stop` is set), then shut down gracefully; returns
    the exit status. `emit` receives the lines announcing the address (default: stdout)."""
    settings = _listening(settings, host, port)
    emit = emit or _print_line
    stop = stop or asyncio.Event()
    with _stop_on_signals(stop):
        return await _run(settings, demo, stop, emit)


async def _run(
    settings: Settings, demo: bool, stop: asyncio.Event, emit: Callable[[str], None]
) -> int:
    watchdog = asyncio.create_task(_watch_shutdown(stop, settings.service.shutdown_timeout_s))
    try:
        with ThreadPoolExecutor(
            max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="rollcall-cpu"
        ) as executor:
            # Loading the models (ONNX Runtime sessions: seconds, off the loop) overlaps with
            # starting and migrating the database.
            loading = asyncio.get_running_loop().run_in_executor(
                executor, FaceAnalyzer.from_config, settings.recognizer
            )
            async with Database.open(settings.store) as database:
                if not settings.service.board_photos:
                    await _forget_portraits(database)
                analyzer = await loading
                seeded = await _seed_demo(database, analyzer, settings) if demo else None
                gallery = Gallery(settings.recognizer, analyzer.embedding_dim)
                metrics = Metrics()
                async with LiveRuntime(
                    settings, database, analyzer, gallery, metrics, executor
                ) as live:
                    services = Services(
                        settings=settings,
                        database=database,
                        analyzer=analyzer,
                        gallery=gallery,
                        metrics=metrics,
                        executor=executor,
                        limits=RateLimits.from_settings(settings),
                        live=live,
                    )
                    await _serve(services, seeded, stop, emit)
                logger.info("live runtime stopped")
    finally:
        if watchdog.done() and not watchdog.cancelled() and watchdog.exception() is None:
            watchdog.result().set()
        else:
            watchdog.cancel()
    logger.info("stopped")
    return 0


async def _forget_portraits(database: Database) -> None:
    """The school turned board photos off: none kept from before stays on the server."""
    removed = await database.portraits.delete_all(actor="system")
    if removed:
        logger.info("board photos are off: deleted the portraits kept", extra={"count": removed})


async def _serve(
    services: Services,
    seeded: DemoSetup | None,
    stop: asyncio.Event,
    emit: Callable[[str], None],
) -> None:
    """Serve HTTP until `stop` is set; on return no connection is open any more."""
    service = services.settings.service
    app = build_app(services)
    track_websockets(app)
    if services.live is not None:
        track_live_views(app, services.live)
    # A third of the budget for requests in flight; the rest is for cameras and writes.
    runner = web.AppRunner(
        app, shutdown_timeout=service.shutdown_timeout_s / 3, access_log_class=AccessLogger
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, service.host, service.port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        url = f"http://{_url_host(bound_host)}:{bound_port}"
        needs_admin = await services.database.users.count_admins() == 0
        if needs_admin:
            logger.warning("no admin can sign in yet: %s", FIRST_ADMIN_HINT)
        store = services.settings.store
        data_dir = None if store.database_url else str(store.data_dir)
        details = _demo_details(seeded, url)
        _announce(Announcement(url, bound_host, bound_port, details, needs_admin, data_dir), emit)
        logger.info("serving", extra={"url": url})
        await stop.wait()
        logger.info("shutting down")
    finally:
        await runner.cleanup()


def _url_host(host: str) -> str:
    """The bound address as a browser can reach it from this machine."""
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _demo_details(seeded: DemoSetup | None, url: str) -> dict[str, Any] | None:
    if seeded is None:
        return None
    return {
        "board_url": f"{url}/board?session={seeded.session_id}",
        "attendance_url": f"{url}/api/sessions/{seeded.session_id}/attendance",
        "websocket_url": url.replace("http", "ws", 1) + "/ws",
        "subscribe": json.dumps({"type": "subscribe", "session_id": str(seeded.session_id)}),
        "session_id": str(seeded.session_id),
        "camera_id": str(seeded.camera_id),
        "username": seeded.username,
        "password": seeded.password,
    }


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
