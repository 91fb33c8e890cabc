"""Token-bucket rate limits per (purpose, client), e.g. logins per address and per username.

Held by the service (one per process), not module state. The number of remembered clients is
bounded, so a flood of distinct addresses cannot grow memory without limit.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from web.http.errors import ApiError


@dataclass(frozen=True)
class Limit:
    per_minute: float
    burst: int


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, limit: Limit, max_clients: int = 10_000) -> None:
        self._limit = limit
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str, now: float | None = None) -> float:
        """Take one token; 0.0 when allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        rate = self._limit.per_minute / 60.0
        bucket = self._buckets.pop(client, None) or _Bucket(float(self._limit.burst), now)
        bucket.tokens = min(self._limit.burst, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        self._buckets[client] = bucket
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate

    def check(self, client: str, what: str) -> None:
        """ApiError 429 with Retry-After when the client is over its limit."""
        wait = self.take(client)
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                f"too many {what}; retry in {math.ceil(wait)} s",
                {"retry_after_s": math.ceil(wait)},
                headers={"Retry-After": str(math.ceil(wait))},
            )
