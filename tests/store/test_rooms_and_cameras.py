"""Rooms and cameras: a camera's password never shows, its token is checked by hash."""

from __future__ import annotations

import asyncio
import logging
from uuid import uuid4

import pytest

from store.cameras import CameraKind, split_password
from store.database import Database
from store.errors import Conflict, InvalidReference, InvalidValue, NotFound
from store.events import EventCursor, EventKind
from tests.store.conftest import Classroom, audit_trail, audited_since

RTSP = "rtsp://viewer:s3cr%2Ft@10.0.0.5:554/stream1"


def test_a_url_password_is_split_off_and_decoded() -> None:
    assert split_password(RTSP) == ("rtsp://viewer@10.0.0.5:554/stream1", "s3cr/t")
    assert split_password("rtsp://10.0.0.5/s") == ("rtsp://10.0.0.5/s", None)


async def test_a_camera_password_is_stored_apart_and_never_shown(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    room = await db.rooms.create("A-1")
    caplog.set_level(logging.DEBUG)

    created = await db.cameras.create(name="door", kind=CameraKind.RTSP, url=RTSP, room_id=room.id)
    camera = await db.cameras.get(created.camera.id)
    logging.getLogger("test").info("camera %r at %s", camera, camera.redacted_url)

    assert camera.url == "rtsp://viewer@10.0.0.5:554/stream1"
    assert camera.redacted_url == "rtsp://viewer:***@10.0.0.5:554/stream1"
    assert camera.connection_url() == RTSP
    assert "s3cr" not in repr(camera) and "s3cr" not in repr(created)
    assert "s3cr" not in caplog.text and created.access_token not in caplog.text


async def test_a_camera_token_is_checked_against_its_hash_and_can_be_rotated(
    db: Database,
) -> None:
    created = await db.cameras.create(name="webcam", kind=CameraKind.WEBRTC)
    camera_id = created.camera.id

    assert await db.cameras.verify_token(camera_id, created.access_token)
    assert not await db.cameras.verify_token(camera_id, "guess")
    new_token = await db.cameras.rotate_token(camera_id)
    assert not await db.cameras.verify_token(camera_id, created.access_token)
    assert await db.cameras.verify_token(camera_id, new_token)
    await db.cameras.set_enabled(camera_id, False)
    assert not await db.cameras.verify_token(camera_id, new_token)


async def test_a_camera_is_found_by_its_current_token_only_while_enabled(db: Database) -> None:
    created = await db.cameras.create(name="laptop", kind=CameraKind.WEBRTC)
    await db.cameras.create(name="other laptop", kind=CameraKind.WEBRTC)

    found = await db.cameras.with_token(created.access_token)
    assert found is not None and found.id == created.camera.id
    assert await db.cameras.with_token("guess") is None
    new_token = await db.cameras.rotate_token(created.camera.id)
    assert await db.cameras.with_token(created.access_token) is None
    await db.cameras.set_enabled(created.camera.id, False)
    assert await db.cameras.with_token(new_token) is None


async def test_cameras_need_a_url_unless_they_are_browsers(db: Database) -> None:
    with pytest.raises(InvalidValue):
        await db.cameras.create(name="x", kind=CameraKind.RTSP)


async def test_camera_names_are_unique_and_rooms_must_exist(db: Database) -> None:
    await db.cameras.create(name="same", kind=CameraKind.FILE, url="/a.mp4")
    with pytest.raises(Conflict):
        await db.cameras.create(name="same", kind=CameraKind.FILE, url="/b.mp4")
    with pytest.raises(InvalidReference):
        await db.cameras.create(name="other", kind=CameraKind.FILE, url="/b.mp4", room_id=uuid4())


async def test_cameras_are_listed_per_room_and_by_state(db: Database) -> None:
    room = await db.rooms.create("A-1")
    inside = await db.cameras.create(name="a", kind=CameraKind.WEBRTC, room_id=room.id)
    await db.cameras.create(name="b", kind=CameraKind.WEBRTC)
    await db.cameras.set_enabled(inside.camera.id, False)

    assert [c.name for c in (await db.cameras.list(room_id=room.id)).items] == ["a"]
    assert [c.name for c in (await db.cameras.list(enabled=True)).items] == ["b"]
    await db.cameras.delete(inside.camera.id)
    with pytest.raises(NotFound):
        await db.cameras.get(inside.camera.id)


async def test_rooms_are_unique_renamable_and_paged(db: Database) -> None:
    room = await db.rooms.create("A-1")
    await db.rooms.create("A-2")
    with pytest.raises(Conflict):
        await db.rooms.create("A-1")

    renamed = await db.rooms.rename(room.id, "A-0")
    page = await db.rooms.list(limit=1)

    assert renamed.name == "A-0"
    assert [r.name for r in page.items] == ["A-0"] and page.has_more
    await db.rooms.delete(room.id)
    with pytest.raises(NotFound):
        await db.rooms.get(room.id)


async def test_a_camera_is_renamed_and_moved_between_rooms_with_a_change_event(
    db: Database,
) -> None:
    first, second = await db.rooms.create("C-1"), await db.rooms.create("C-2")
    camera = (await db.cameras.create(name="back", kind=CameraKind.WEBRTC, room_id=first.id)).camera
    before = await db.events.read_after(EventCursor(0, 0))

    moved = await db.cameras.update(camera.id, name="back-left", room_id=second.id)
    unplaced = await db.cameras.update(camera.id, clear_room=True)

    assert (moved.name, moved.room_id) == ("back-left", second.id)
    assert (unplaced.name, unplaced.room_id) == ("back-left", None)
    for _ in range(500):
        events = await db.events.read_after(EventCursor(0, 0))
        if len(events) >= len(before) + 2:
            break
        await asyncio.sleep(0.01)
    changed = [e for e in events[len(before) :] if e.kind == EventKind.CAMERA_CHANGED]
    assert [e.payload["camera_id"] for e in changed] == [str(camera.id)] * 2
    with pytest.raises(NotFound):
        await db.cameras.update(uuid4(), name="nobody")
    other = (await db.cameras.create(name="front", kind=CameraKind.WEBRTC)).camera
    with pytest.raises(Conflict):
        await db.cameras.update(other.id, name="back-left")


async def test_deleting_a_room_is_audited_with_it_and_a_refused_deletion_is_not(
    classroom: Classroom, db: Database
) -> None:
    empty = await db.rooms.create("D-1")
    before = await audit_trail(db)

    with pytest.raises(InvalidReference):
        await db.rooms.delete(classroom.room.id, actor="ada-admin")
    with pytest.raises(NotFound):
        await db.rooms.delete(uuid4(), actor="ada-admin")
    assert await audit_trail(db) == before
    await db.rooms.delete(empty.id, actor="ada-admin")

    assert await audited_since(db, before) == [("ada-admin", "room.delete", {})]
    (entry,) = (await db.audit.list(entity_type="room")).items
    assert entry.entity_id == str(empty.id)


async def test_each_change_of_a_camera_leaves_one_audit_entry_per_step(db: Database) -> None:
    room = await db.rooms.create("E-1")
    before = await audit_trail(db)

    camera = (
        await db.cameras.create(name="door", kind=CameraKind.WEBRTC, actor="ada-admin")
    ).camera
    await db.cameras.update(
        camera.id, name="door-left", room_id=room.id, enabled=False, actor="ada-admin"
    )
    await db.cameras.update(camera.id, enabled=False, actor="ada-admin")  # already: no step
    await db.cameras.update(camera.id, enabled=True, actor="ada-admin")
    await db.cameras.rotate_token(camera.id, actor="ada-admin")
    await db.cameras.delete(camera.id, actor="ada-admin")

    assert await audited_since(db, before) == [
        ("ada-admin", "camera.delete", {}),
        ("ada-admin", "camera.rotate_token", {}),
        ("ada-admin", "camera.enable", {}),
        ("ada-admin", "camera.disable", {}),
        ("ada-admin", "camera.update", {"name": "door-left", "room_id": str(room.id)}),
        ("ada-admin", "camera.create", {}),
    ]


async def test_a_refused_change_of_a_camera_changes_nothing_and_leaves_no_audit_entry(
    db: Database,
) -> None:
    camera = (await db.cameras.create(name="door", kind=CameraKind.WEBRTC)).camera
    await db.cameras.create(name="window", kind=CameraKind.WEBRTC)
    before = await audit_trail(db)

    with pytest.raises(Conflict):
        await db.cameras.create(name="door", kind=CameraKind.WEBRTC, actor="ada-admin")
    with pytest.raises(InvalidReference):
        await db.cameras.create(
            name="hall", kind=CameraKind.WEBRTC, room_id=uuid4(), actor="ada-admin"
        )
    with pytest.raises(Conflict):  # the rename is refused, so the disabling goes with it
        await db.cameras.update(camera.id, name="window", enabled=False, actor="ada-admin")
    for change in (
        db.cameras.update(uuid4(), enabled=False, actor="ada-admin"),
        db.cameras.rotate_token(uuid4(), actor="ada-admin"),
        db.cameras.delete(uuid4(), actor="ada-admin"),
    ):
        with pytest.raises(NotFound):
            await change

    assert await audit_trail(db) == before
    assert await db.cameras.get(camera.id) == camera
