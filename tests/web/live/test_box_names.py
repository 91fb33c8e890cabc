"""Names of face boxes: answered at once, read in the background, in batches, so a slow or
hung database never holds up the analysis that asks."""

from __future__ import annotations

import asyncpg

from store.database import Database
from tests.web.live.conftest import until
from web.live.box_names import BoxNames
from web.live.people_directory import PeopleDirectory


async def test_a_name_not_known_yet_is_none_at_first_then_read_in_the_background(
    db: Database,
) -> None:
    ada = await db.people.create(external_id="S-1", display_name="Ada")
    bo = await db.people.create(external_id="S-2", display_name="Bo")
    names = BoxNames(PeopleDirectory(db))
    try:
        assert names.labels([ada.id, None, bo.id]) == [None, None, None]

        await until(lambda: names.labels([ada.id, None, bo.id]) == ["Ada", None, "Bo"])
    finally:
        await names.close()


async def test_a_hung_database_holds_up_no_one_asking_and_names_come_once_it_answers(
    db: Database, database_url: str
) -> None:
    ada = await db.people.create(external_id="S-1", display_name="Ada")
    names = BoxNames(PeopleDirectory(db), lookup_timeout_s=0.1)
    blocker = await asyncpg.connect(database_url)
    try:
        hold = blocker.transaction()
        await hold.start()
        await blocker.execute("LOCK TABLE people IN ACCESS EXCLUSIVE MODE")  # reads now wait
        assert names.labels([ada.id]) == [None]
        await until(lambda: names.lookups_failed >= 1)  # the read timed out, the asker did not
        assert names.labels([ada.id]) == [None]

        await hold.rollback()
        await until(lambda: names.labels([ada.id]) == ["Ada"])
    finally:
        await blocker.close()
        await names.close()
