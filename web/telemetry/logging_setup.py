"""Logs for machines (JSON, python-json-logger) and for people (one readable line each);
context (request id, camera id) rides on `extra` and on the context variables.

The format defaults to the console's when stderr is a terminal, JSON otherwise (a container's
log collector), and either can be asked for. Messages are folded to one line, so a
subprocess's multi-line output (embedded PostgreSQL's) cannot break a log into pieces.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

from web.telemetry.log_context import ContextFilter

LogFormat = Literal["console", "json"]
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# what every LogRecord has: anything else on a record came from `extra` and is shown
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class OneLine(logging.Filter):
    """Folds a message's lines into one (tracebacks stay the formatter's business)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "\n" in message or "\r" in message:
            record.msg = " | ".join(line.strip() for line in message.splitlines() if line.strip())
            record.args = None
        return True


class ConsoleFormatter(logging.Formatter):
    """`12:04:05 INFO  web.live.attendance_writer: attendance decided  person_id=… status=…`"""

    def __init__(self) -> None:
        super().__init__(datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        )
        line = (
            f"{self.formatTime(record, self.datefmt)} {record.levelname:<5} "
            f"{record.name}: {record.getMessage()}"
        )
        if extras:
            line = f"{line}  {extras}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def default_format(stream: TextIO) -> LogFormat:
    return "console" if stream.isatty() else "json"


def configure_logging(level: str | int = "INFO", log_format: LogFormat | None = None) -> None:
    stream = sys.stderr
    handler = logging.StreamHandler(stream)
    chosen = log_format or default_format(stream)
    if chosen == "console":
        handler.setFormatter(ConsoleFormatter())
    else:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    handler.addFilter(ContextFilter())
    handler.addFilter(OneLine())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if isinstance(level, int) else level.upper())
