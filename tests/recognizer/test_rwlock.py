"""The readers-writer lock: readers share, a writer is alone, waiting writers go first."""

from __future__ import annotations

import threading

from recognizer.rwlock import ReadWriteLock

WAIT_S = 10.0  # generous bound so a broken lock fails the test instead of hanging it


def test_readers_hold_the_lock_together() -> None:
    lock = ReadWriteLock()
    both_inside = threading.Barrier(2, timeout=WAIT_S)

    def reader() -> None:
        with lock.read():
            both_inside.wait()  # raises BrokenBarrierError if the readers exclude each other

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert not both_inside.broken


def test_a_writer_excludes_readers_and_other_writers() -> None:
    lock = ReadWriteLock()
    state = {"a": 0, "b": 0}
    torn: list[tuple[int, int]] = []

    def writer() -> None:
        for _ in range(2000):
            with lock.write():
                state["a"] += 1
                state["b"] += 1

    def reader() -> None:
        for _ in range(2000):
            with lock.read():
                a, b = state["a"], state["b"]
            if a != b:
                torn.append((a, b))

    threads = [threading.Thread(target=writer) for _ in range(3)]
    threads += [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S * 3)
    assert not any(t.is_alive() for t in threads)
    assert state == {"a": 6000, "b": 6000}
    assert torn == []


def test_a_waiting_writer_goes_before_readers_that_arrive_after_it() -> None:
    lock = ReadWriteLock()
    order: list[str] = []
    writer_waiting = threading.Event()

    def writer() -> None:
        writer_waiting.set()
        with lock.write():
            order.append("writer")

    def late_reader() -> None:
        with lock.read():
            order.append("late reader")

    with lock.read():
        w = threading.Thread(target=writer)
        w.start()
        writer_waiting.wait(WAIT_S)
        # Wait until the writer is queued inside the lock, not merely started.
        for _ in range(int(WAIT_S * 1000)):
            if lock._writers_waiting:
                break
            threading.Event().wait(0.001)
        r = threading.Thread(target=late_reader)
        r.start()
    w.join(WAIT_S)
    r.join(WAIT_S)
    assert order == ["writer", "late reader"]


def test_an_exception_inside_the_block_releases_the_lock() -> None:
    lock = ReadWriteLock()
    for side in (lock.read, lock.write):
        try:
            with side():
                raise ValueError("boom")
        except ValueError:
            pass
    acquired = threading.Event()

    def writer() -> None:
        with lock.write():
            acquired.set()

    t = threading.Thread(target=writer)
    t.start()
    t.join(WAIT_S)
    assert acquired.is_set()
