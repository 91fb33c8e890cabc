"""One error shape for every failure: `{"error": {"code", "message", "request_id"}}`.

Handlers raise `ApiError` (or let a store error or a body validation error escape); the
middleware here turns all of them, aiohttp's own HTTP errors and anything unexpected into that
shape with the right status. An unexpected exception is logged with its traceback and answered
with a bare 500: the client never sees a stack trace or an internal message.

What is the client's doing (4xx, logged at most at INFO) and what is ours, in one list:

- the client's: `ApiError` (raised by handlers and by `web.http.bodies`, where every body is
  read and every parser error of aiohttp's is turned into one), pydantic's `ValidationError`
  (422), the store's `NotFound` (404), `Conflict` (409), `ConsentMissing` (409
  `no_consent`: face data of someone whose consent is not recorded), `InvalidReference` and
  `InvalidValue` (422, in the API's words: PostgreSQL's text and constraint names stay in the
  log), aiohttp's `HTTPException` 4xx (routing, 413 over client_max_size), and a client that
  hangs up mid-request (`ClientGone`, or a `ConnectionResetError` once its connection is
  closed): nobody is left to answer;
- ours: `DatabaseUnavailable` and `MigrationError` (503, retry), and everything else (500,
  logged with its traceback at ERROR).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiohttp import web
from pydantic import ValidationError

from store.errors import (
    Conflict,
    ConsentMissing,
    DatabaseUnavailable,
    InvalidReference,
    InvalidValue,
    MigrationError,
    NotFound,
)
from web.http.request_id import request_id_of

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """A failure the client can act on: its status, a stable code and a readable message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | list[Any] | None = None,  # a list: one entry per problem
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


class ClientGone(ApiError):
    """The client hung up before its request was read: nobody will read the answer."""

    def __init__(self) -> None:
        super().__init__(400, "client_gone", "the connection closed before the body arrived")


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


# PostgreSQL's "Key (external_id)=(s-1) already exists." and its foreign-key twins.
_KEY_DETAIL = re.compile(r"^Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\) (?P<rest>.*)$", re.S)


def _store_message(error: Exception, fallback: str) -> str:
    """The store's own message, or when PostgreSQL wrote it, the API's words for it: which
    field and what is wrong, without constraint names or the database's wording."""
    cause = error.__cause__
    if not isinstance(cause, asyncpg.PostgresError | asyncpg.InterfaceError):
        return str(error)
    detail = _KEY_DETAIL.match(getattr(cause, "detail", None) or "")
    if detail is not None:
        columns, values, rest = detail["columns"], detail["values"], detail["rest"]
        if "already exists" in rest:
            return f"{columns} {values!r} is taken already"
        if "is not present" in rest:
            return f"{columns} {values!r} names nothing that exists"
        if "still referenced" in rest:
            return "it is still in use by other records"
    column = getattr(cause, "column_name", None)
    return f"{column}: {fallback}" if column else fallback


def _from_store_error(error: Exception) -> tuple[int, str, str]:
    if isinstance(error, NotFound):
        return 404, "not_found", str(error)
    if isinstance(error, Conflict):
        return 409, "conflict", _store_message(error, "it exists already")
    if isinstance(error, ConsentMissing):
        return 409, "no_consent", str(error)
    if isinstance(error, InvalidReference):
        return 422, "invalid_reference", _store_message(error, "it names something that is not")
    if isinstance(error, InvalidValue):
        return 422, "invalid", _store_message(error, "a value is outside what can be stored")
    if isinstance(error, DatabaseUnavailable):
        return 503, "database_unavailable", "the database is unavailable; retry shortly"
    if isinstance(error, MigrationError):
        return 503, "database_not_ready", "the database schema is not ready"
    raise error


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ClientGone as error:
        _log_client_gone(request)
        return error_response(request, error.status, error.code, error.message)
    except ApiError as error:
        response = error_response(request, error.status, error.code, error.message, error.details)
        response.headers.update(error.headers)
        return response
    except ValidationError as error:
        return error_response(
            request, 422, "invalid", "the request is not valid", validation_details(error)
        )
    except (
        NotFound,
        Conflict,
        ConsentMissing,
        InvalidReference,
        InvalidValue,
        DatabaseUnavailable,
    ) as error:
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
    except Exception as error:
        if isinstance(error, ConnectionResetError) and _connection_closed(request):
            # writing (or reading) on a connection the client closed: nobody is waiting
            _log_client_gone(request)
            return error_response(request, 400, "client_gone", "the connection closed")
        logger.exception(
            "request failed", extra={"request_id": request_id_of(request), "path": request.path}
        )
        return error_response(request, 500, "internal", "internal error; the request id is logged")


def _connection_closed(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _log_client_gone(request: web.Request) -> None:
    logger.info(
        "the client hung up before the request was done",
        extra={"request_id": request_id_of(request), "path": request.path},
    )
