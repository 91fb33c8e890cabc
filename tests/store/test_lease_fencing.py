"""Fencing by camera lease: a process that lost a camera cannot write what it saw afterwards.

An attendance write carries the generation of the camera lease its process held. PostgreSQL
refuses it when a newer lease of that camera had begun by the time the frame was seen, and
takes it when the frame was seen before, however late the write arrives (a decision journaled
during an outage and replayed by the next run, which holds a lease of its own by then).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from store.attendance import AttendanceStatus, Sighting
from store.camera_leases import CameraLease
from store.database import Database
from store.journal import JournalEntry
from tests.store.conftest import Classroom

TTL_S = 30.0


def _seen(room: Classroom, at: datetime, lease: int | None) -> Sighting:
    return Sighting(
        session_id=room.session.id,
        person_id=room.student.id,
        status=AttendanceStatus.PRESENT,
        seen_at=at,
        score=0.7,
        camera_id=room.camera.id,
        lease=lease,
    )


async def _lease(db: Database, room: Classroom) -> CameraLease:
    lease = await db.camera_leases.of_camera(room.camera.id)
    assert lease is not None
    return lease


async def test_a_generation_is_never_given_twice_even_after_a_release(
    classroom: Classroom, db: Database
) -> None:
    camera = classroom.camera.id
    seen = [(await db.camera_leases.claim("a", [camera], TTL_S))[camera]]
    assert (await db.camera_leases.claim("a", [camera], TTL_S))[camera] == seen[0]  # renewed
    await db.camera_leases.release("a", [camera])  # the row is gone
    seen.append((await db.camera_leases.claim("b", [camera], TTL_S))[camera])
    await db.camera_leases.leave("b")
    taken = await db.camera_leases.take_over("a", camera, TTL_S)
    assert taken is not None
    seen.append(taken)
    assert seen == sorted(seen) and len(set(seen)) == 3


async def test_the_former_holders_write_of_a_frame_seen_after_the_take_over_is_refused(
    classroom: Classroom, db: Database
) -> None:
    camera = classroom.camera.id
    old = (await db.camera_leases.claim("a", [camera], TTL_S))[camera]
    new = await db.camera_leases.take_over("b", camera, TTL_S)
    assert new is not None and new > old
    handed_over = (await _lease(db, classroom)).acquired_at

    stale = _seen(classroom, handed_over + timedelta(milliseconds=1), old)
    outcome = await db.attendance.record_batch([stale])
    assert (outcome.upserts, outcome.fenced) == ([], [stale.write_id])
    # refused again when retried: a fenced write is not remembered as applied
    assert (await db.attendance.record_batch([stale])).fenced == [stale.write_id]
    assert (await db.attendance.list_for_session(classroom.session.id)).items == ()

    current = _seen(classroom, handed_over + timedelta(seconds=1), new)
    assert [u.inserted for u in (await db.attendance.record_batch([current])).upserts] == [True]


async def test_a_late_write_of_a_frame_seen_before_the_hand_over_lands(
    classroom: Classroom, db: Database
) -> None:
    camera = classroom.camera.id
    old = (await db.camera_leases.claim("a", [camera], TTL_S))[camera]
    await db.camera_leases.leave("a")  # a crashed run's lease, given up or expired
    await db.camera_leases.claim("a-restarted", [camera], TTL_S)
    handed_over = (await _lease(db, classroom)).acquired_at

    journaled = _seen(classroom, handed_over - timedelta(seconds=2), old)
    replayed = JournalEntry.of_sighting(journaled).sighting()  # the lease survives the journal
    assert replayed == journaled
    outcome = await db.attendance.record_batch([replayed])
    assert outcome.fenced == []
    [row] = (await db.attendance.list_for_session(classroom.session.id)).items
    assert row.first_seen == journaled.seen_at


async def test_a_term_between_two_others_still_fences_its_predecessor(
    classroom: Classroom, db: Database
) -> None:
    camera = classroom.camera.id
    first = (await db.camera_leases.claim("a", [camera], TTL_S))[camera]
    await db.camera_leases.take_over("b", camera, TTL_S)
    b_began = (await _lease(db, classroom)).acquired_at
    await db.camera_leases.take_over("c", camera, TTL_S)
    c_began = (await _lease(db, classroom)).acquired_at
    assert b_began < c_began
    # seen while b held the camera: the lease row itself only says when c's term began
    outcome = await db.attendance.record_batch([_seen(classroom, b_began, first)])
    assert len(outcome.fenced) == 1 and outcome.upserts == []


async def test_in_one_batch_only_the_stale_writes_are_refused(
    classroom: Classroom, db: Database
) -> None:
    camera = classroom.camera.id
    old = (await db.camera_leases.claim("a", [camera], TTL_S))[camera]
    new = await db.camera_leases.take_over("b", camera, TTL_S)
    handed_over = (await _lease(db, classroom)).acquired_at
    before = _seen(classroom, handed_over - timedelta(seconds=1), old)
    after = _seen(classroom, handed_over + timedelta(seconds=1), old)
    unchecked = _seen(classroom, handed_over + timedelta(seconds=2), None)  # not a camera's
    current = _seen(classroom, handed_over + timedelta(seconds=3), new)
    outcome = await db.attendance.record_batch([before, after, unchecked, current])
    assert outcome.fenced == [after.write_id]
    [upsert] = outcome.upserts  # the three others, merged into the student's row
    assert upsert.record.sightings == 3
    assert upsert.record.first_seen == before.seen_at
    assert upsert.record.last_seen == current.seen_at
