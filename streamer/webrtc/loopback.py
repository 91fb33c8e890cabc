"""Two WebRTC peers on one machine, meeting on 127.0.0.1.

aioice gathers host candidates from `aioice.ice.get_host_addresses`, which leaves loopback out:
two local peers then meet over another interface, or never on a machine that has none. The
benchmark and the tests, which run both ends locally, restrict candidates to 127.0.0.1 for
their duration; the service never does, so real browsers get aioice's own address list.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import aioice.ice


def _loopback_only(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else []


@contextlib.contextmanager
def loopback_candidates_only() -> Iterator[None]:
    """Within the block, every peer this process creates offers only 127.0.0.1."""
    original = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = _loopback_only
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = original
