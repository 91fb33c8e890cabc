"""Reading request bodies and query parameters, and writing JSON responses.

Bodies are pydantic models (extra fields refused, so a typo is an error rather than silently
ignored); responses are the store's frozen dataclasses turned into JSON-safe dicts.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from store.pagination import MAX_PAGE_SIZE, Page
from web.api.errors import ApiError

M = TypeVar("M", bound=BaseModel)


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


async def read_json(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = await request.read()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(400, "bad_json", f"the body is not valid JSON: {error}") from None
    except RecursionError:
        # thousands of nested brackets: valid JSON no endpoint takes, refused before parsing ends
        raise ApiError(400, "bad_json", "the body is nested too deeply") from None


async def read_model(request: web.Request, model: type[M]) -> M:
    """The body validated as `model`; 415/400 before parsing, 422 (with fields) after."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(422, "invalid", "the body must be a JSON object")
    return model.model_validate(data)


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


def page_params(request: web.Request, default_limit: int = 100) -> tuple[int, int]:
    """(limit, offset) from ?limit=&offset=, bounded like the store's pages."""
    limit = query_int(request, "limit", default_limit, 1, MAX_PAGE_SIZE)
    offset = query_int(request, "offset", 0, 0, 2**31 - 1)
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
