"""One writer and several readers in threads: the harness of the reads-during-writes tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from uuid import UUID

import numpy as np


class RemovedPeople:
    """People the writer has removed so far; readers take a snapshot before each search, so
    anything in it that a later search returns was returned after its removal."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[UUID] = set()

    def add(self, person_id: UUID) -> None:
        with self._lock:
            self._ids.add(person_id)

    def snapshot(self) -> frozenset[UUID]:
        with self._lock:
            return frozenset(self._ids)


def read_while_writing(
    write: Callable[[], None],
    read: Callable[[np.random.Generator], None],
    reader_seeds: Sequence[int],
    join_s: float = 120.0,
) -> None:
    """Run `write` once in a thread while each reader calls `read(rng)` until it is done.

    The first exception of any thread is raised here; a thread still running after `join_s`
    fails the test instead of hanging it.
    """
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        try:
            write()
        except BaseException as error:
            errors.append(error)
        finally:
            done.set()

    def reader(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            while not done.is_set():
                read(rng)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, name="writer")]
    threads += [
        threading.Thread(target=reader, args=(seed,), name=f"reader-{seed}")
        for seed in reader_seeds
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(join_s)
    still_running = [thread.name for thread in threads if thread.is_alive()]
    assert still_running == [], f"threads still running after {join_s} s: {still_running}"
    if errors:
        raise errors[0]
