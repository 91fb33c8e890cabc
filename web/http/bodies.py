"""Reading request bodies and query parameters, and writing JSON responses.

Every request body is read here, and only here: JSON (`read_json`, `read_model`), raw bytes
(`read_bytes`, e.g. a CSV or an image) and multipart parts (`multipart_parts`, `read_part`).
Whatever a sender can get wrong in a body is turned into a 4xx `ApiError` on the spot, so a
new endpoint that reads its body through these cannot answer a hostile body with a 500.
What counts as the client's fault:

- not JSON, not UTF-8, nested too deeply, an integer over Python's digit limit, NaN or
  Infinity, a string holding U+0000 (PostgreSQL text cannot hold it) or a lone surrogate (no
  UTF-8 text can), a value not of the JSON type its schema says: 400 `bad_json` / 422;
- a multipart body aiohttp cannot parse (its `HttpProcessingError` family: a control character
  or a missing colon in a part header, a header line over 8,190 bytes, over 128 headers; its
  `ValueError`, `AssertionError`, `RuntimeError`, `LookupError` for a broken boundary, an
  unknown encoding or an over-long `_charset_` part): 400 `bad_multipart`, naming the part;
- a body over the size limit: 413 (aiohttp's own `HTTPRequestEntityTooLarge` or our budget);
- a client that hangs up before its body has arrived: `ClientGone` (logged as the client's
  doing, never as an internal error).

Bodies are pydantic models (extra fields refused, so a typo is an error rather than silently
ignored, and every value of the JSON type the schema says: see `read_model`); responses are the
store's frozen dataclasses turned into JSON-safe dicts.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated, Any, TypeVar
from uuid import UUID

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage, HttpProcessingError, LineTooLong
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

from store.pagination import MAX_PAGE_SIZE, Page
from web.domain.text import plain_text_problem
from web.http.errors import ApiError, ClientGone

M = TypeVar("M", bound=BaseModel)

MULTIPART_CHUNK = 64 * 1024


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def storable_instant(value: datetime) -> datetime:
    # PostgreSQL stores any of these, but the instant must exist in UTC (year 1 at +05:00
    # does not) and stay clear of the ends of Python's calendar
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant is outside the years 0002..9998") from None
    if not 2 <= in_utc.year <= 9998:
        raise ValueError("the instant is outside the years 0002..9998")
    return value


def _plain(value: str) -> str:
    problem = plain_text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# A date-time with its zone, that the database can store.
Instant = Annotated[AwareDatetime, AfterValidator(storable_instant)]
# Text people read (names): no control characters and no bidi overrides, as the CSV imports.
PlainText = Annotated[str, AfterValidator(_plain)]


# -- the client's hang-up ---------------------------------------------------------------------


@contextmanager
def _client_may_hang_up() -> Iterator[None]:
    try:
        yield
    except ConnectionResetError:
        # aiohttp sets this on the body stream when the connection is lost mid-body
        raise ClientGone() from None


async def read_bytes(request: web.Request) -> bytes:
    """The whole body (bounded by the application's client_max_size: 413 beyond it)."""
    with _client_may_hang_up():
        try:
            return await request.read()
        except HttpProcessingError as error:
            # a chunked body or a compressed body that does not decode
            raise ApiError(400, "bad_body", f"the body cannot be read: {_says(error)}") from None


# -- JSON --------------------------------------------------------------------------------------


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# What no stored text may hold: U+0000 (PostgreSQL's text cannot) and a lone surrogate
# (half of a UTF-16 pair, which no UTF-8 text can encode).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _find_unstorable(value: Any, where: str = "") -> str | None:
    """The path of a string holding a character text cannot store (keys included), or None."""
    if isinstance(value, str):
        return (where or "(body)") if _UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if _UNSTORABLE.search(key):
                return path
            found = _find_unstorable(item, path)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_unstorable(item, f"{where}.{index}" if where else str(index))
            if found:
                return found
    return None


async def read_json(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = await read_bytes(request)
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(400, "bad_json", f"the body is not valid JSON: {error}") from None
    except RecursionError:
        # thousands of nested brackets: valid JSON no endpoint takes, refused before parsing ends
        raise ApiError(400, "bad_json", "the body is nested too deeply") from None
    except ValueError as error:
        # NaN/Infinity, or an integer over Python's 4,300 digit limit for int(str)
        message = str(error) if "is not JSON" in str(error) else "a number in it is too long"
        raise ApiError(400, "bad_json", f"the body is not valid JSON: {message}") from None
    try:
        found = _find_unstorable(data)
    except RecursionError:
        raise ApiError(400, "bad_json", "the body is nested too deeply") from None
    if found is not None:
        raise ApiError(
            422,
            "invalid",
            "the request is not valid",
            [{"field": found, "problem": "text may not hold U+0000 or a lone surrogate"}],
        )
    return data


async def read_model(request: web.Request, model: type[M]) -> M:
    """The body validated as `model`; 415/400 before parsing, 422 (with fields) after.

    Validated in pydantic's strict JSON mode: a value must be of the JSON type the schema
    says (a boolean `true` or `false`, a date-time a string), where the lax mode would take
    0, "yes" or 1.0 for a boolean and a number of seconds for a date-time."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(422, "invalid", "the body must be a JSON object")
    # the text again: read_json has refused what pydantic's own parser might take differently
    return model.model_validate_json(json.dumps(data), strict=True)


# -- multipart ---------------------------------------------------------------------------------

# What aiohttp's multipart reader raises for a body the sender got wrong (see the top).
_MULTIPART_ERRORS = (
    HttpProcessingError,
    ValueError,
    AssertionError,
    KeyError,
    LookupError,
    RuntimeError,
    TypeError,
)


def _says(error: BaseException) -> str:
    if isinstance(error, LineTooLong):
        return "a line is over 8,190 bytes"
    if isinstance(error, BadHttpMessage) and "Too many headers" in str(error.message):
        return "it has over 128 headers"
    if isinstance(error, BadHttpMessage):
        return "a header holds a character that is not allowed, or has no colon"
    if isinstance(error, RuntimeError) and "charset" in str(error):
        return "its _charset_ part is too long"
    if isinstance(error, LookupError | UnicodeDecodeError):
        return "it names an unknown or wrong character set"
    return "it is malformed"


@contextmanager
def _multipart_errors(where: str) -> Iterator[None]:
    with _client_may_hang_up():
        try:
            yield
        except _MULTIPART_ERRORS as error:
            raise ApiError(
                400, "bad_multipart", f"{where} cannot be read: {_says(error)}"
            ) from None


async def multipart_parts(
    request: web.Request, *, what: str = "the body"
) -> AsyncIterator[tuple[int, BodyPartReader]]:
    """(index from 1, part) of a multipart body; 415 for another type, 400 for a broken body
    (naming the part), nested multiparts refused."""
    if not request.content_type.startswith("multipart/"):
        raise ApiError(415, "unsupported_media_type", f"send {what} as multipart/form-data")
    with _multipart_errors("the multipart body"):
        reader = await request.multipart()
    index = 0
    while True:
        index += 1
        with _multipart_errors(f"multipart part {index}"):
            part = await reader.next()
        if part is None:
            return
        if not isinstance(part, BodyPartReader):
            raise ApiError(400, "bad_multipart", "nested multipart bodies are not accepted")
        with _multipart_errors(f"multipart part {index}"):
            # the names are parsed from the headers lazily: any refusal belongs to this part
            _ = (part.name, part.filename)
        yield index, part


class BodyBudget:
    """Bytes of one request body still allowed; 413 once they run out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise ApiError(
                413, "payload_too_large", f"the request is over the {self.limit:,} byte limit"
            )


async def read_part(
    part: BodyPartReader, index: int, keep: int, budget: BodyBudget | None = None
) -> bytes:
    """The part's bytes, at most `keep + 1` kept (enough to tell it is too large); every byte
    read is spent from `budget`."""
    kept = bytearray()
    with _multipart_errors(f"multipart part {index}"):
        while chunk := await part.read_chunk(MULTIPART_CHUNK):
            if budget is not None:
                budget.spend(len(chunk))
            if len(kept) <= keep:
                kept += chunk[: keep + 1 - len(kept)]
    return bytes(kept)


# -- paths and queries -------------------------------------------------------------------------


def path_uuid(request: web.Request, name: str) -> UUID:
    """A UUID path segment; anything else names nothing, so 404."""
    raw = request.match_info[name]
    try:
        return UUID(raw)
    except ValueError:
        raise ApiError(404, "not_found", f"{name} {raw!r} is not an id that exists") from None


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, "invalid", f"query parameter {name} must be an integer") from None
    if not low <= value <= high:
        raise ApiError(422, "invalid", f"query parameter {name} must be in {low}..{high}")
    return value


def query_instant(request: web.Request, name: str) -> datetime | None:
    """An ISO 8601 instant with its zone from ?name=, or None when it is not given."""
    raw = request.query.get(name)
    if raw is None:
        return None
    instant = None
    # a '+' left unencoded in a query string arrives as a space: "10:00:00 01:00"
    for candidate in (raw, raw.replace(" ", "+")):
        try:
            instant = datetime.fromisoformat(candidate)
            break
        except ValueError:
            continue
    if instant is None or instant.tzinfo is None:
        raise ApiError(
            422, "invalid", f"query parameter {name} must be an ISO 8601 instant with a zone"
        )
    try:
        return storable_instant(instant)
    except ValueError as error:
        raise ApiError(422, "invalid", f"query parameter {name}: {error}") from None


MAX_OFFSET = 2**31 - 1
# The schemas of ?limit= and ?offset= for the OpenAPI document, with their bounds.
LIMIT_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
OFFSET_SCHEMA = {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}


def page_params(request: web.Request, default_limit: int = 100) -> tuple[int, int]:
    """(limit, offset) from ?limit=&offset=, bounded like the store's pages."""
    limit = query_int(request, "limit", default_limit, 1, MAX_PAGE_SIZE)
    offset = query_int(request, "offset", 0, 0, MAX_OFFSET)
    return limit, offset


def to_jsonable(value: Any) -> Any:
    """Dataclasses, pages, pydantic models, UUIDs, datetimes and enums as plain JSON values."""
    if isinstance(value, Page):
        return {
            "items": [to_jsonable(item) for item in value.items],
            "limit": value.limit,
            "offset": value.offset,
            "next_offset": value.next_offset,
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: to_jsonable(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if field.repr  # fields kept out of repr (hashes, passwords) stay out of responses
        }
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    return value


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.json_response(to_jsonable(value), status=status)
