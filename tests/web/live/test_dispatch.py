"""The change feed's dispatcher: every listener gets every event in order, and an event a
listener could not apply while the database was away is applied once it is back."""

from __future__ import annotations

import asyncio

from store.database import Database
from store.errors import DatabaseUnavailable
from store.events import Event, EventKind
from tests.web.live.conftest import until
from web.live.dispatch import Dispatcher

WAIT_S = 30.0


class Recorder:
    """A listener that remembers what it applied; `away` of the first events find the
    database unavailable, `broken` events fail for good."""

    def __init__(self, away: int = 0, broken: frozenset[str] = frozenset()) -> None:
        self.applied: list[str] = []
        self.attempts = 0
        self._away = away
        self._broken = broken

    async def on_event(self, event: Event) -> None:
        self.attempts += 1
        if self.attempts <= self._away:
            raise DatabaseUnavailable("PostgreSQL unavailable: connection refused")
        if event.payload["name"] in self._broken:
            raise ValueError("a bad event")
        self.applied.append(event.payload["name"])


async def test_an_event_a_listener_missed_while_the_database_was_away_is_applied_in_order(
    db: Database,
) -> None:
    away, broken, steady = Recorder(away=2), Recorder(broken=frozenset({"b"})), Recorder()
    async with db.change_feed() as feed:
        dispatcher = Dispatcher(feed, [away, broken, steady])
        task = asyncio.create_task(dispatcher.run())
        try:
            for name in ("a", "b", "c"):
                await db.events.publish(EventKind.CAMERA_STATUS, {"name": name})
            await until(lambda: len(steady.applied) == 3, timeout_s=WAIT_S)
        finally:
            task.cancel()
            await asyncio.wait([task])
    assert away.applied == ["a", "b", "c"]
    assert away.attempts == 5  # "a" three times, then once each
    assert broken.applied == ["a", "c"]  # a bad event does not stop the others
    assert steady.applied == ["a", "b", "c"]
