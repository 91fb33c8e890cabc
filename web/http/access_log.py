"""One access line per request, at DEBUG: at the default level a busy board's polling does
not drown the lines a person reads. It carries the request's id, which the request id
middleware has already let go of by the time aiohttp writes the line."""

from __future__ import annotations

import logging

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

from web.http.request_id import request_id_of


class AccessLogger(AbstractAccessLogger):
    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.DEBUG)

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.debug(
            "%s %s %s",
            request.method,
            request.path,
            response.status,
            extra={
                "request_id": request_id_of(request),
                "status": response.status,
                "duration_ms": round(time * 1000, 1),
                "remote": request.remote,
            },
        )
