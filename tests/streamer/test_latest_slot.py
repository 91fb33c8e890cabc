"""Newest frame wins: one frame held, replaced frames dropped, slow consumers never lag."""

from __future__ import annotations

import asyncio
import threading
import time
import weakref

import numpy as np
import pytest

from streamer.errors import CameraClosed
from streamer.frame import Frame
from streamer.latest_slot import LatestSlot
from tests.ids import uid


def make_frame(seq: int, size: int = 8) -> Frame:
    image = np.full((size, size, 3), seq % 256, dtype=np.uint8)
    return Frame(uid("cam"), image, seq, time.time(), time.monotonic())


def test_only_the_newest_frame_is_kept_and_replaced_ones_count_as_dropped() -> None:
    slot = LatestSlot()
    for seq in range(1, 6):
        slot.put(make_frame(seq))
    taken = slot.take_nowait()
    assert taken is not None and taken.seq == 5
    assert slot.take_nowait() is None
    assert (slot.put_count, slot.taken, slot.dropped) == (5, 1, 4)


async def test_get_waits_for_a_frame_put_from_another_thread() -> None:
    slot = LatestSlot()
    producer = threading.Timer(0.05, lambda: slot.put(make_frame(7)))
    producer.start()
    async with asyncio.timeout(10):
        frame = await slot.get()
    producer.join()
    assert frame.seq == 7


async def test_a_bounded_get_times_out_and_the_slot_still_works_after() -> None:
    slot = LatestSlot()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await slot.get()
    slot.put(make_frame(1))
    async with asyncio.timeout(1):
        assert (await slot.get()).seq == 1


async def test_closing_wakes_waiting_consumers_with_camera_closed() -> None:
    slot = LatestSlot()
    waiter = asyncio.create_task(slot.get())
    await asyncio.sleep(0.01)
    slot.close()
    with pytest.raises(CameraClosed):
        await asyncio.wait_for(waiter, 5)
    slot.put(make_frame(1))  # ignored once closed
    assert slot.peek() is None


async def test_waiting_for_a_frame_takes_nothing() -> None:
    slot = LatestSlot()
    waiter = asyncio.create_task(slot.wait_filled())
    producer = threading.Timer(0.05, lambda: slot.put(make_frame(3)))
    producer.start()
    async with asyncio.timeout(10):
        await waiter
    producer.join()
    assert slot.peek() is not None and slot.taken == 0
    async with asyncio.timeout(1):
        await slot.wait_filled()  # a frame already waits: at once
    assert slot.take_nowait() is not None


async def test_a_wait_for_a_frame_ends_with_camera_closed_when_the_slot_closes() -> None:
    slot = LatestSlot()
    waiter = asyncio.create_task(slot.wait_filled())
    await asyncio.sleep(0.01)
    slot.close()
    with pytest.raises(CameraClosed):
        await asyncio.wait_for(waiter, 5)
    with pytest.raises(CameraClosed):
        await slot.wait_filled()


async def test_a_slow_consumer_gets_the_newest_frame_with_bounded_memory() -> None:
    """A fast producer thread (about 1 kHz) and a consumer 20x slower: a queue would grow
    without bound and hand out ever older frames; the slot must not."""
    slot = LatestSlot()
    produced = 0
    alive = 0
    most_alive = 0
    alive_lock = threading.Lock()

    def freed() -> None:
        nonlocal alive
        with alive_lock:
            alive -= 1

    stop = threading.Event()

    def produce() -> None:
        nonlocal produced, most_alive, alive
        while not stop.is_set() and produced < 3000:
            frame = make_frame(produced + 1, size=64)
            with alive_lock:
                alive += 1
                most_alive = max(most_alive, alive)
            weakref.finalize(frame.image, freed)
            slot.put(frame)
            produced = frame.seq
            del frame
            time.sleep(0.001)

    producer = threading.Thread(target=produce)
    producer.start()
    stale: list[tuple[int, int]] = []
    ages: list[float] = []
    try:
        while producer.is_alive() or slot.peek() is not None:
            newest_before_get = produced
            try:
                async with asyncio.timeout(2):
                    frame = await slot.get()
            except TimeoutError:
                continue  # the producer just finished; the loop condition ends it
            ages.append(frame.age())
            if frame.seq < newest_before_get:
                stale.append((frame.seq, newest_before_get))
            del frame
            await asyncio.sleep(0.02)  # a slow analysis step
    finally:
        stop.set()
        producer.join()

    assert stale == []  # never an older frame than the newest produced before asking
    # Images alive at any time: the one in the slot, the consumer's, the producer's new one.
    assert most_alive <= 3
    assert alive == 0
    assert slot.dropped > 0.5 * produced
    assert slot.put_count == produced == slot.taken + slot.dropped
    # Generous: a first-in-first-out queue would have reached tens of seconds here.
    assert max(ages) < 2.0
