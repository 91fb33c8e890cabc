"""The mark that sets page and asset handlers apart from API operations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_PAGE_MARK = "__rollcall_page__"


def is_page_route(handler: Any) -> bool:
    return getattr(handler, _PAGE_MARK, False)


def marked_as_page(handler: Handler) -> Handler:
    setattr(handler, _PAGE_MARK, True)
    return handler
