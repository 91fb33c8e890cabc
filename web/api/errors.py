"""One error shape for every failure: `{"error": {"code", "message", "request_id"}}`.

Handlers raise `ApiError` (or let a store error or a body validation error escape); the
middleware here turns all of them, aiohttp's own HTTP errors and anything unexpected into that
shape with the right status. An unexpected exception is logged with its traceback and answered
with a bare 500: the client never sees a stack trace or an internal message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from store.errors import (
    Conflict,
    DatabaseUnavailable,
    InvalidReference,
    InvalidValue,
    MigrationError,
    NotFound,
)
from web.api.request_id import request_id_of

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """A failure the client can act on: its status, a stable code and a readable message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def error_body(request: web.Request, code: str, message: str, details: Any = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message, "request_id": request_id_of(request)}
    if details:
        error["details"] = details
    return {"error": error}


def error_response(
    request: web.Request, status: int, code: str, message: str, details: Any = None
) -> web.Response:
    return web.json_response(error_body(request, code, message, details), status=status)


def validation_details(error: ValidationError) -> list[dict[str, Any]]:
    """Where and why a body was refused, without echoing the value (it may be a password)."""
    return [
        {"field": ".".join(str(part) for part in item["loc"]) or "(body)", "problem": item["msg"]}
        for item in error.errors(include_url=False, include_input=False)
    ]


# aiohttp's status -> the code clients see for it when raised by routing or by a handler.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


def _from_store_error(error: Exception) -> tuple[int, str, str]:
    if isinstance(error, NotFound):
        return 404, "not_found", str(error)
    if isinstance(error, Conflict):
        return 409, "conflict", str(error)
    if isinstance(error, InvalidReference):
        return 422, "invalid_reference", str(error)
    if isinstance(error, InvalidValue):
        return 422, "invalid", str(error)
    if isinstance(error, DatabaseUnavailable):
        return 503, "database_unavailable", "the database is unavailable; retry shortly"
    if isinstance(error, MigrationError):
        return 503, "database_not_ready", "the database schema is not ready"
    raise error


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        response = error_response(request, error.status, error.code, error.message, error.details)
        response.headers.update(error.headers)
        return response
    except ValidationError as error:
        return error_response(
            request, 422, "invalid", "the request is not valid", validation_details(error)
        )
    except (NotFound, Conflict, InvalidReference, InvalidValue, DatabaseUnavailable) as error:
        status, code, message = _from_store_error(error)
        return error_response(request, status, code, message)
    except MigrationError:
        return error_response(request, 503, "database_not_ready", "the database is not ready")
    except web.HTTPException as error:
        if error.status < 400:
            raise  # redirects and the like are not errors
        code = _HTTP_CODES.get(error.status, "http_error")
        response = error_response(request, error.status, code, error.reason)
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in error.headers:
                response.headers[name] = error.headers[name]
        return response
    except Exception:
        logger.exception(
            "request failed", extra={"request_id": request_id_of(request), "path": request.path}
        )
        return error_response(request, 500, "internal", "internal error; the request id is logged")
