"""Logs a person can read and a machine can parse: console or JSON lines, one line per
record, the request id on a request's access line (at DEBUG), and settings errors named by
the variable an operator sets."""

from __future__ import annotations

import json
import logging
import socket

import aiohttp
import pytest
from aiohttp import web
from pydantic import ValidationError

from web.cli import main
from web.http.access_log import AccessLogger
from web.http.request_id import HEADER, request_id_middleware
from web.settings import Settings, environment_name, setting_problems
from web.telemetry.log_context import ContextFilter, request_id_var
from web.telemetry.logging_setup import ConsoleFormatter, OneLine


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("web.live.attendance_writer", logging.INFO, "", 0, message, (), None)
    record.__dict__.update(extra)
    return record


def test_a_console_line_is_the_time_level_logger_message_then_the_extras() -> None:
    line = ConsoleFormatter().format(_record("attendance decided", status="present"))
    assert line.endswith(" INFO  web.live.attendance_writer: attendance decided  status=present")


def test_a_multi_line_message_is_folded_into_one_line() -> None:
    record = _record("could not bind\n  HINT: is another server running?\n")
    OneLine().filter(record)
    assert record.getMessage() == "could not bind | HINT: is another server running?"


def test_the_request_id_of_the_context_rides_on_every_line() -> None:
    token = request_id_var.set("abc-123")
    try:
        record = _record("a line of the request")
        ContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert ConsoleFormatter().format(record).endswith("request_id=abc-123")


async def test_the_access_line_is_at_debug_and_carries_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.json_response({})

    app = web.Application(middlewares=[request_id_middleware])
    app.router.add_get("/hello", hello)
    runner = web.AppRunner(app, access_log_class=AccessLogger)
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        with caplog.at_level(logging.DEBUG, logger="aiohttp.access"):
            async with (
                aiohttp.ClientSession() as client,
                client.get(f"http://127.0.0.1:{port}/hello", headers={HEADER: "req-42"}) as got,
            ):
                assert got.status == 200
            await runner.shutdown()
    finally:
        await runner.cleanup()
    (line,) = [r for r in caplog.records if r.name == "aiohttp.access"]
    assert (line.levelno, line.getMessage()) == (logging.DEBUG, "GET /hello 200")
    assert line.request_id == "req-42"  # type: ignore[attr-defined]


def test_a_bad_log_level_is_refused_by_name_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--log-level", "bogus", "serve"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'BOGUS'" in err and "Traceback" not in err


def test_settings_errors_name_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLCALL_STREAMER__ANALYSIS_FPS", "fast")
    monkeypatch.setenv("ROLLCALL_STREAMER__BOGUS", "1")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]
    said = setting_problems(refused.value)
    assert "ROLLCALL_STREAMER__ANALYSIS_FPS: Input should be a valid number" in said
    assert "ROLLCALL_STREAMER__BOGUS: no such setting" in said
    assert "fast" not in said  # values stay out: a URL may hold a password


def test_the_variable_of_a_nested_setting() -> None:
    assert environment_name(("presence", "min_track_face_px")) == (
        "ROLLCALL_PRESENCE__MIN_TRACK_FACE_PX"
    )


def test_json_lines_stay_json(capsys: pytest.CaptureFixture[str]) -> None:
    from web.telemetry.logging_setup import configure_logging

    configure_logging("INFO", "json")  # undone after the test (tests/conftest.py)
    logging.getLogger("web.test").info("one\ntwo", extra={"camera_id": "c1"})
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert json.loads(line) | {"time": None} == {
        "time": None,
        "level": "INFO",
        "logger": "web.test",
        "message": "one | two",
        "camera_id": "c1",
    }
