"""What request handlers reach: the parts the composition root built, in one object.

Built once by `web.app` (or by a test with real parts) and stored on the application; handlers
get it with `services_of(request)`. Nothing here is module state: two applications in one
process (as in the tests) never share anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from aiohttp import web

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from store.database import Database
from web.http.rate_limit import Limit, RateLimiter
from web.settings import Settings

if TYPE_CHECKING:
    from web.live.runtime import LiveRuntime
    from web.telemetry.metrics import Metrics

T = TypeVar("T")


@dataclass(frozen=True)
class RateLimits:
    login: RateLimiter
    upload: RateLimiter
    offer: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        service = settings.service
        return cls(
            login=RateLimiter(Limit(service.login_per_minute, service.login_burst)),
            upload=RateLimiter(Limit(service.upload_per_minute, service.upload_burst)),
            offer=RateLimiter(Limit(service.offer_per_minute, service.offer_burst)),
        )


@dataclass
class Services:
    settings: Settings
    database: Database
    analyzer: FaceAnalyzer
    gallery: Gallery
    metrics: Metrics
    # Decoding uploads and running the models: CPU-bound, so never on the event loop.
    executor: ThreadPoolExecutor
    limits: RateLimits
    # Cameras, presence engine and WebSocket hub; None in a process that serves the API only.
    live: LiveRuntime | None = None
    started_at: float = field(default_factory=lambda: asyncio.get_event_loop().time())

    async def run_cpu(self, function: Callable[..., T], *args: object) -> T:
        """Run CPU-bound work (decode, inference) on the executor, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)


SERVICES = web.AppKey("services", Services)


def services_of(request: web.Request) -> Services:
    return request.app[SERVICES]
