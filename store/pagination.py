"""Pages of list results: every list method takes limit/offset and never returns unbounded;
`read_every_page` is the one way to read a whole list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `next_offset` is None on the last page."""

    items: tuple[T, ...]
    limit: int
    offset: int
    has_more: bool

    @property
    def next_offset(self) -> int | None:
        return self.offset + len(self.items) if self.has_more else None


def check_page(limit: int, offset: int) -> None:
    """Refuse page sizes outside 1..MAX_PAGE_SIZE and negative offsets."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
    if offset < 0:
        raise ValueError(f"offset must not be negative, got {offset}")


def build_page(rows: Sequence[R], limit: int, offset: int, convert: Callable[[R], T]) -> Page[T]:
    """Make a page from a query that fetched `limit + 1` rows (the extra one says 'more')."""
    return Page(
        items=tuple(convert(row) for row in rows[:limit]),
        limit=limit,
        offset=offset,
        has_more=len(rows) > limit,
    )


class PageReader(Protocol[T]):
    """A list method with its filters bound: `limit` and `offset` by keyword, one page back."""

    def __call__(self, *, limit: int, offset: int) -> Awaitable[Page[T]]: ...


async def read_every_page(read: PageReader[T], page_size: int = MAX_PAGE_SIZE) -> list[T]:
    """Every item of a paged list, page after page until the last (for lists known to be
    short enough to hold: a roster, a person's templates, the cameras)."""
    items: list[T] = []
    offset: int | None = 0
    while offset is not None:
        page = await read(limit=page_size, offset=offset)
        items.extend(page.items)
        offset = page.next_offset
    return items
