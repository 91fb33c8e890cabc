"""Time zones named by users: an IANA name from the system's list, or a ValueError."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def known_zone(name: str) -> ZoneInfo:
    """The zone called `name`. Only a listed name: ZoneInfo would open any path-like name (a
    folder such as "Europe", a name too long for the file system) and fail in ways of its
    own."""
    if name not in _zone_names():
        raise ValueError(f"unknown time zone {name!r} (use an IANA name)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name)") from None
