"""A request id on every request: taken from X-Request-ID when sane, else made; returned in
the response header, carried by every log line of the request and every error body."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from web.telemetry.log_context import request_id_var

HEADER = "X-Request-ID"
_KEY = web.RequestKey("request_id", str)
# A proxy's id is echoed into logs: only plain tokens, so it cannot forge log lines.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_id_of(request: web.BaseRequest) -> str:
    try:
        return request[_KEY]
    except KeyError:
        return "-"


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    offered = request.headers.get(HEADER, "")
    request_id = offered if _ACCEPTED.match(offered) else uuid.uuid4().hex
    request[_KEY] = request_id
    token = request_id_var.set(request_id)
    try:
        return await handler(request)
    finally:
        request_id_var.reset(token)


async def add_request_id_header(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare hook: every response, WebSocket upgrades and errors included."""
    response.headers[HEADER] = request_id_of(request)
