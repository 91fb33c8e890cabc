"""The decision journal: what was appended survives a SIGKILL, a torn line is skipped, settled
entries are compacted away, the size is bounded, and a replay lands each decision once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from store.attendance import AttendanceStatus, Sighting
from store.database import Database
from store.events import EventCursor, EventKind
from store.journal import FILE_NAME, DecisionJournal, JournalBusy, JournalEntry, JournalFile
from tests.store.conftest import Classroom

SEEN = datetime(2026, 3, 2, 9, 4, 12, 250_000, tzinfo=UTC)
MAX = 1 << 20


def _sighting(
    person_id: UUID | None = None, session_id: UUID | None = None, camera_id: UUID | None = None
) -> Sighting:
    return Sighting(
        session_id=session_id or uuid4(),
        person_id=person_id or uuid4(),
        status=AttendanceStatus.LATE,
        seen_at=SEEN,
        score=0.6125,
        camera_id=camera_id or uuid4(),
    )


def _reopened(folder: Path, max_bytes: int = MAX) -> tuple[JournalFile, list[JournalEntry]]:
    journal = JournalFile(folder, max_bytes)
    return journal, journal.open()


def test_entries_come_back_at_the_next_open_in_order_with_their_write_ids(tmp_path: Path) -> None:
    sightings = [_sighting() for _ in range(3)]
    notice = JournalEntry.of_event(uuid4(), EventKind.PRESENCE_UNKNOWN_FACE, {"track_id": 7})
    journal, left = _reopened(tmp_path)
    assert left == []
    for sighting in sightings:
        assert journal.append(JournalEntry.of_sighting(sighting))
    assert journal.append(notice)
    journal.close()

    again, left = _reopened(tmp_path)
    assert [entry.sighting() for entry in left[:3]] == sightings
    assert left[3] == notice
    assert left[3].event() == (EventKind.PRESENCE_UNKNOWN_FACE, {"track_id": 7})
    assert again.entries == 4


def test_a_torn_last_line_is_skipped_and_the_next_append_starts_on_a_clean_line(
    tmp_path: Path,
) -> None:
    kept, torn, later = _sighting(), _sighting(), _sighting()
    journal, _ = _reopened(tmp_path)
    journal.append(JournalEntry.of_sighting(kept))
    journal.close()
    with (tmp_path / FILE_NAME).open("ab") as file:  # a write cut short by a crash
        file.write(_line(JournalEntry.of_sighting(torn))[:-25])

    journal, left = _reopened(tmp_path)
    assert [entry.sighting() for entry in left] == [kept]
    journal.append(JournalEntry.of_sighting(later))
    journal.close()
    _, left = _reopened(tmp_path)
    assert [entry.sighting() for entry in left] == [kept, later]


def test_a_line_whose_checksum_does_not_match_is_skipped(tmp_path: Path) -> None:
    good, damaged = _sighting(), _sighting()
    path = tmp_path / FILE_NAME
    line = _line(JournalEntry.of_sighting(damaged)).replace(b'"late"', b'"present"')
    path.write_bytes(_line(JournalEntry.of_sighting(good)) + line)
    _, left = _reopened(tmp_path)
    assert [entry.sighting() for entry in left] == [good]


def test_settled_entries_are_dropped_by_a_rewrite_once_nothing_else_is_pending(
    tmp_path: Path,
) -> None:
    first, second = _sighting(), _sighting()
    journal, _ = _reopened(tmp_path)
    journal.append(JournalEntry.of_sighting(first))
    journal.append(JournalEntry.of_sighting(second))
    inode = (tmp_path / FILE_NAME).stat().st_ino
    journal.settle([first.write_id, uuid4()])  # an id never journaled is ignored
    assert journal.entries == 1
    journal.settle([second.write_id])
    assert journal.entries == 0 and journal.size == 0
    assert (tmp_path / FILE_NAME).stat().st_size == 0
    assert (tmp_path / FILE_NAME).stat().st_ino != inode, "compacted by rename, not in place"
    journal.close()
    _, left = _reopened(tmp_path)
    assert left == []


def test_a_full_journal_refuses_and_counts_what_does_not_fit_until_settling_makes_room(
    tmp_path: Path,
) -> None:
    line_bytes = len(_line(JournalEntry.of_sighting(_sighting())))
    journal, _ = _reopened(tmp_path, max_bytes=2 * line_bytes)
    first, second, third = (_sighting() for _ in range(3))
    assert journal.append(JournalEntry.of_sighting(first))
    assert journal.append(JournalEntry.of_sighting(second))
    assert not journal.append(JournalEntry.of_sighting(third))
    assert journal.refused == 1 and journal.size <= 2 * line_bytes
    journal.settle([first.write_id])
    assert journal.append(JournalEntry.of_sighting(third))
    assert journal.entries == 2


def test_a_second_owner_of_the_folder_is_refused_while_the_first_holds_it(tmp_path: Path) -> None:
    first, _ = _reopened(tmp_path)
    with pytest.raises(JournalBusy):
        JournalFile(tmp_path, MAX).open()
    first.close()
    second, _ = _reopened(tmp_path)
    second.close()


async def test_a_journal_that_cannot_be_opened_is_turned_off_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "journal"
    blocker.write_text("a file where the folder should be")
    journal = DecisionJournal(blocker, MAX)
    assert await journal.open() == []
    assert not journal.available
    assert not await journal.append(JournalEntry.of_sighting(_sighting()))
    await journal.close()


_APPENDER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from uuid import uuid4
    from store.attendance import AttendanceStatus, Sighting
    from store.journal import JournalEntry, JournalFile

    journal = JournalFile(Path(sys.argv[1]), 1 << 24)
    journal.open()
    while True:
        sighting = Sighting(uuid4(), uuid4(), AttendanceStatus.PRESENT, datetime.now(UTC), 0.5)
        journal.append(JournalEntry.of_sighting(sighting))
        print(sighting.write_id, flush=True)
    """
)


@pytest.mark.slow
def test_every_append_that_returned_survives_a_sigkill_of_the_appending_process(
    tmp_path: Path,
) -> None:
    for _ in range(5):  # kills land at different points of a write
        folder = tmp_path / uuid4().hex
        appender = subprocess.Popen(
            [sys.executable, "-c", _APPENDER, str(folder)],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert appender.stdout is not None
        acknowledged = [UUID(appender.stdout.readline().decode().strip()) for _ in range(200)]
        os.kill(appender.pid, signal.SIGKILL)
        appender.wait(timeout=30)
        appender.stdout.close()
        _, left = _reopened(folder)
        ids = [entry.id for entry in left]
        assert ids[: len(acknowledged)] == acknowledged
        assert len(set(ids)) == len(ids)


async def test_replaying_a_journal_whose_writes_landed_already_changes_nothing(
    db: Database, classroom: Classroom
) -> None:
    sighting = _sighting(classroom.student.id, classroom.session.id, classroom.camera.id)
    notice = JournalEntry.of_event(
        uuid4(), EventKind.PRESENCE_UNKNOWN_FACE, {"session_id": str(classroom.session.id)}
    )
    first = await db.attendance.record_many([sighting])
    assert await db.events.publish_once(notice.id, *notice.event())
    # the process died before settling: the next start replays both
    replayed = JournalEntry.of_sighting(sighting).sighting()
    assert await db.attendance.record_many([replayed]) == []
    assert not await db.events.publish_once(notice.id, *notice.event())

    record = await db.attendance.get(classroom.session.id, classroom.student.id)
    assert record == first[0].record
    assert record.first_seen == SEEN and record.sightings == 1
    events = await _events(db)
    assert [e.kind for e in events].count(EventKind.PRESENCE_UNKNOWN_FACE.value) == 1


async def _events(db: Database) -> list:
    for _ in range(500):  # the outbox hands out settled transactions only
        events = await db.events.read_after(EventCursor(0, 0))
        if any(e.kind == EventKind.PRESENCE_UNKNOWN_FACE.value for e in events):
            return events
        await asyncio.sleep(0.01)
    raise AssertionError("the notice never showed in the outbox")


def _line(entry: JournalEntry) -> bytes:
    from store.journal import encode

    return encode(entry)
