"""The decision journal: decisions not yet committed, on local disk, so a crash loses none.

A present/late decision or an unknown-face notice is appended here (and fsync'd) as it is
made, before the database has it; once the database has committed it (or refused it for
good) it is settled, and settled entries are dropped by rewriting the file and renaming it
over the old one. At the next start whatever is still in the file is replayed, with the
write ids it was journaled with, so a write that did land before the crash is recognised by
the database (attendance_writes) and not counted twice.

The file holds JSON lines, one record each: `{"crc": "<8 hex digits>", "entry": {...}}`, the
CRC32 of the entry's canonical JSON. A line that does not parse or whose checksum does not match
(the torn last line of a process killed mid-write) is skipped and logged, never fatal, and
the file is rewritten without it at open so that the next append starts on a clean line.

One process owns a journal folder at a time (an flock on `journal.lock`). The file's size is
bounded (`max_bytes`): a decision that does not fit is refused (counted in `refused`) and
lives in memory only, as it did before the journal existed.

`JournalFile` does the file work, synchronously; `DecisionJournal` runs it on one thread of
its own (appends, settlements and rewrites keep their order) so no event loop waits on a disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from store.attendance import AttendanceStatus, Sighting
from store.events import EventKind

T = TypeVar("T")

logger = logging.getLogger(__name__)

FILE_NAME = "decisions.jsonl"
LOCK_NAME = "journal.lock"
COMPACT_AT_BYTES = 1 << 20  # settled bytes that make a rewrite worth it while others wait
APPEND_WAIT_S = 0.5  # the longest a caller waits for an append; the append itself goes on

SIGHTING = "sighting"
EVENT = "event"


class JournalBusy(OSError):
    """Another process holds the journal folder."""


@dataclass(frozen=True)
class JournalEntry:
    """One journaled decision: `kind` says what `body` is, `id` is its write id."""

    id: UUID
    kind: str
    body: dict[str, Any]

    @classmethod
    def of_sighting(cls, sighting: Sighting) -> JournalEntry:
        return cls(
            sighting.write_id,
            SIGHTING,
            {
                "session_id": str(sighting.session_id),
                "person_id": str(sighting.person_id),
                "status": sighting.status.value,
                "seen_at": sighting.seen_at.isoformat(),
                "score": sighting.score,
                "camera_id": None if sighting.camera_id is None else str(sighting.camera_id),
                "count": sighting.count,
                "lease": sighting.lease,
            },
        )

    @classmethod
    def of_event(cls, write_id: UUID, kind: EventKind, payload: dict[str, Any]) -> JournalEntry:
        return cls(write_id, EVENT, {"event_kind": kind.value, "payload": payload})

    def sighting(self) -> Sighting:
        body = self.body
        return Sighting(
            session_id=UUID(body["session_id"]),
            person_id=UUID(body["person_id"]),
            status=AttendanceStatus(body["status"]),
            seen_at=datetime.fromisoformat(body["seen_at"]),
            score=float(body["score"]),
            camera_id=None if body["camera_id"] is None else UUID(body["camera_id"]),
            count=int(body["count"]),
            write_id=self.id,
            # journaled before leases were fenced: written unchecked, as it was decided
            lease=None if body.get("lease") is None else int(body["lease"]),
        )

    def event(self) -> tuple[EventKind, dict[str, Any]]:
        return EventKind(self.body["event_kind"]), dict(self.body["payload"])

    def _json(self) -> dict[str, Any]:
        return {"id": str(self.id), "kind": self.kind, "body": self.body}


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def _crc(data: dict[str, Any]) -> str:
    """CRC32 of the canonical JSON, as 8 hex digits (a record's size does not vary with it)."""
    return f"{zlib.crc32(_canonical(data)):08x}"


def encode(entry: JournalEntry) -> bytes:
    """The entry's line, checksum included, newline-terminated."""
    data = entry._json()
    return _canonical({"crc": _crc(data), "entry": data}) + b"\n"


def decode(line: bytes) -> JournalEntry | None:
    """The entry of a line, or None for a torn or damaged one."""
    try:
        record = json.loads(line)
        data = record["entry"]
        if _crc(data) != record["crc"]:
            return None
        return JournalEntry(UUID(data["id"]), str(data["kind"]), dict(data["body"]))
    except (ValueError, KeyError, TypeError):
        return None


class JournalFile:
    """The journal's file in `folder`, bounded to `max_bytes`. Not thread-safe: one thread."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.path = folder / FILE_NAME
        self.max_bytes = max_bytes
        self.refused = 0  # appends that did not fit
        self._pending: dict[UUID, bytes] = {}  # in file order
        self._size = 0  # bytes of the file: pending and settled lines
        self._lock_fd: int | None = None

    @property
    def entries(self) -> int:
        """Entries journaled and not settled yet."""
        return len(self._pending)

    @property
    def size(self) -> int:
        return self._size

    def open(self) -> list[JournalEntry]:
        """Take the folder, read what a previous run left (in order); raises JournalBusy."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JournalBusy(f"another process holds the journal in {self.folder}") from None
        self._lock_fd = fd
        entries: list[JournalEntry] = []
        damaged = 0
        raw = self.path.read_bytes() if self.path.exists() else b""
        for line in raw.splitlines(keepends=True):
            entry = decode(line) if line.endswith(b"\n") else None
            if entry is None:
                damaged += 1
                continue
            if entry.id not in self._pending:
                self._pending[entry.id] = line
                entries.append(entry)
        self._size = len(raw)
        if damaged:
            logger.warning(
                "decision journal: skipped damaged lines (a torn last write)",
                extra={"damaged": damaged, "journal": str(self.path)},
            )
        if damaged or self._size != sum(map(len, self._pending.values())):
            self._rewrite()
        return entries

    def append(self, entry: JournalEntry) -> bool:
        """Write and fsync the entry; False when it does not fit under `max_bytes`."""
        if entry.id in self._pending:
            return True
        line = encode(entry)
        if self._size + len(line) > self.max_bytes and self._size > self._live():
            self._rewrite()  # settled lines first make room
        if self._size + len(line) > self.max_bytes:
            self.refused += 1
            return False
        created = not self.path.exists()
        with self.path.open("ab") as file:
            file.write(line)
            file.flush()
            os.fsync(file.fileno())
        if created:
            self._sync_folder()
        self._pending[entry.id] = line
        self._size += len(line)
        return True

    def settle(self, ids: Iterable[UUID]) -> None:
        """The database has these (or refused them for good): drop them from the file, by a
        rewrite once nothing is left pending or the settled lines grow large."""
        removed = [self._pending.pop(write_id, None) for write_id in ids]
        if all(line is None for line in removed):
            return
        settled = self._size - self._live()
        if not self._pending or settled >= max(COMPACT_AT_BYTES, self._live()):
            self._rewrite()

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def _live(self) -> int:
        return sum(map(len, self._pending.values()))

    def _rewrite(self) -> None:
        """The pending lines into a new file, renamed over the old one (atomic)."""
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as file:
            for line in self._pending.values():
                file.write(line)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        self._sync_folder()
        self._size = self._live()

    def _sync_folder(self) -> None:
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class DecisionJournal:
    """The journal for async code: every file operation on one thread of its own, in order.

    `await journal.open()` returns what a previous run left; `append` waits at most
    `append_wait_s` (a slow disk never holds up the caller longer, and the append still
    happens, before any later settlement of the same entry); `settle` and `close` follow.
    A journal that cannot be opened (a read-only or busy folder) is logged once and turned
    off: decisions then live in memory only.
    """

    def __init__(self, folder: Path, max_bytes: int, append_wait_s: float = APPEND_WAIT_S):
        self._file = JournalFile(folder, max_bytes)
        self._append_wait_s = append_wait_s
        self._thread: ThreadPoolExecutor | None = None
        self.available = False
        self.failed_appends = 0

    @property
    def folder(self) -> Path:
        return self._file.folder

    @property
    def entries(self) -> int:
        return self._file.entries

    @property
    def size(self) -> int:
        return self._file.size

    @property
    def max_bytes(self) -> int:
        return self._file.max_bytes

    @property
    def refused(self) -> int:
        """Appends refused because the journal was full."""
        return self._file.refused

    async def open(self) -> list[JournalEntry]:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rollcall-journal")
        try:
            entries = await self._run(self._file.open)
        except OSError as error:
            logger.error(
                "decision journal unavailable: decisions not yet committed are lost in a crash",
                extra={"journal": str(self._file.folder), "error": str(error)},
            )
            return []
        self.available = True
        if entries:
            logger.warning(
                "decision journal: replaying decisions a previous run did not commit",
                extra={"entries": len(entries), "journal": str(self._file.path)},
            )
        return entries

    async def append(self, entry: JournalEntry) -> bool:
        """True when the entry is (or is being) journaled; False when it is refused (full)
        or the journal is off."""
        if not self.available or self._thread is None:
            return False
        future = asyncio.get_running_loop().run_in_executor(self._thread, self._file.append, entry)
        try:
            async with asyncio.timeout(self._append_wait_s):
                journaled = await asyncio.shield(future)
        except TimeoutError:
            logger.warning("decision journal slow: not waiting for the disk")
            future.add_done_callback(self._log_late_failure)
            return True
        except OSError as error:
            self.failed_appends += 1
            logger.error("decision not journaled: %s", error, extra={"error": str(error)})
            return False
        if not journaled:
            logger.error(
                "decision journal full: this decision lives in memory only",
                extra={"max_bytes": self._file.max_bytes, "entries": self._file.entries},
            )
        return journaled

    async def settle(self, ids: Iterable[UUID]) -> None:
        if not self.available:
            return
        try:
            await self._run(self._file.settle, list(ids))
        except OSError as error:
            # the entries stay in the file: replayed at the next start, recognised, harmless
            logger.warning("decision journal not compacted: %s", error, extra={"error": str(error)})

    async def close(self) -> None:
        if self._thread is None:
            return
        with contextlib.suppress(OSError):
            await self._run(self._file.close)
        self._thread.shutdown(wait=False)
        self._thread = None
        self.available = False

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    def _log_late_failure(self, future: asyncio.Future[bool]) -> None:
        if not future.cancelled() and isinstance(future.exception(), OSError):
            self.failed_appends += 1
            logger.error("decision not journaled: %s", future.exception())
