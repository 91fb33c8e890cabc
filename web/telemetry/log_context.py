"""The request or camera a log line belongs to, carried by context variables.

Setting them once where a request or a camera task starts puts the id on every log line
written beneath, including lines from the store or the streamer that know nothing of requests.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("rollcall_request_id", default=None)
camera_id_var: ContextVar[str | None] = ContextVar("rollcall_camera_id", default=None)


class ContextFilter(logging.Filter):
    """Adds request_id / camera_id from the context unless the call passed its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in (("request_id", request_id_var), ("camera_id", camera_id_var)):
            value = var.get()
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        return True
