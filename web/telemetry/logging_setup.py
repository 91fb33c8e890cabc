"""JSON logs through python-json-logger; context (request id, camera id) rides on `extra`."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from web.telemetry.log_context import ContextFilter


def configure_logging(level: str | int = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if isinstance(level, int) else level.upper())
