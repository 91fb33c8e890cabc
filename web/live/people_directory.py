"""Display names of the people the cameras identify, read from the database on demand."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from uuid import UUID

from store.database import Database

CAPACITY = 10_000  # names kept; a campus has more people than one process ever sees at once


class PeopleDirectory:
    """A bounded cache of display names (most recently used kept). Reading is synchronous
    (`name`), filling is `await ensure(...)`; the change feed's erasures and updates
    `forget` a name so it is read again (or never, once erased)."""

    def __init__(self, database: Database, capacity: int = CAPACITY) -> None:
        self._database = database
        self._capacity = capacity
        self._names: OrderedDict[UUID, str] = OrderedDict()

    def name(self, person_id: UUID) -> str | None:
        name = self._names.get(person_id)
        if name is not None:
            self._names.move_to_end(person_id)
        return name

    async def ensure(self, person_ids: Iterable[UUID]) -> None:
        """Read the names not known yet, in one query (people erased meanwhile are skipped)."""
        missing = set(person_ids) - set(self._names)
        if not missing:
            return
        for person in await self._database.people.get_many(missing):
            self._names[person.id] = person.display_name
            if len(self._names) > self._capacity:
                self._names.popitem(last=False)

    def forget(self, person_id: UUID) -> None:
        self._names.pop(person_id, None)
