"""The decision journal as the live pipeline uses it: counted in the metrics."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from store.journal import DecisionJournal, JournalEntry
from web.telemetry.metrics import Metrics


class LiveJournal:
    """`append` and `settle` of the store's DecisionJournal, with its gauges (entries, bytes,
    capacity: read at scrape time) and the count of decisions a full journal refused."""

    def __init__(self, journal: DecisionJournal, metrics: Metrics) -> None:
        self.journal = journal
        self._metrics = metrics
        metrics.journal_entries.set_function(lambda: journal.entries)
        metrics.journal_bytes.set_function(lambda: journal.size)
        metrics.journal_capacity_bytes.set(journal.max_bytes)

    async def append(self, entry: JournalEntry) -> bool:
        """True when the entry is journaled (it survives a crash)."""
        refused = self.journal.refused
        journaled = await self.journal.append(entry)
        if self.journal.refused > refused:
            self._metrics.journal_full.inc()
        return journaled

    async def settle(self, ids: Iterable[UUID]) -> None:
        await self.journal.settle(ids)
