"""Seeding the demo: a course of students enrolled from the demo photos, a room whose file
camera plays a classroom video of them (and of strangers), a class session running now, and an
admin to log in with. Safe to run on every start: what exists is reused."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from uuid import UUID

from recognizer.analyzer import FaceAnalyzer
from store.cameras import Camera, CameraKind
from store.courses import Course
from store.database import Database
from store.errors import NotFound
from store.pagination import read_every_page
from store.passwords import hash_password
from store.people import Person
from store.rooms import Room
from store.sessions import ClassSession, SessionStatus
from store.users import Role, User
from web.demo.cast import CastMember, find_cast, split_cast
from web.demo.config import DemoConfig
from web.demo.photos import locate_demo_photos
from web.demo.video import ensure_demo_video

logger = logging.getLogger(__name__)

COURSE_CODE = "DEMO-101"
COURSE_NAME = "Demo class: attendance by camera"
ROOM_NAME = "Demo room"
CAMERA_NAME = "Demo camera"
STUDENT_ID_PREFIX = "demo-student-"
ACTOR = "demo"


@dataclass(frozen=True)
class DemoSetup:
    """What the demo made or found: enough to start its camera and tell the user how to log in.

    The camera is a `file` camera whose URL is the video's absolute path: play it looped."""

    course: Course
    room: Room
    camera_id: UUID
    video_path: Path
    session_id: UUID
    username: str
    password: str = field(repr=False)
    student_ids: tuple[UUID, ...]
    stranger_count: int


async def seed_demo(
    database: Database,
    analyzer: FaceAnalyzer,
    data_dir: Path,
    config: DemoConfig | None = None,
    *,
    now: datetime | None = None,
    portraits: bool = False,
) -> DemoSetup:
    """Create (or find) the demo's records and video in `data_dir`; DemoError when the demo
    photos or enough faces in them are missing. The login's password is new on every call."""
    config = config or DemoConfig()
    now = now or datetime.now(UTC)
    photos = locate_demo_photos()
    cast = await asyncio.to_thread(
        find_cast, analyzer, photos.paths, config.students + config.strangers
    )
    students, strangers = split_cast(cast, config.students)

    video_path = await asyncio.to_thread(
        ensure_demo_video, data_dir, students, strangers, config, analyzer.pack_name
    )

    people = [
        await _student(database, analyzer.pack_name, number, member, now, portraits)
        for number, member in enumerate(students, start=1)
    ]
    course = await _course(database)
    await _roster(database, course, people)
    room = await _room(database)
    camera = await _camera(database, room, video_path)
    session = await _session(database, course, room, config, now)
    password = secrets.token_urlsafe(12)
    await _admin(database, config.username, password)
    logger.info(
        "demo ready",
        extra={
            "course": course.code,
            "camera_id": str(camera.id),
            "session_id": str(session.id),
            "students": len(people),
            "strangers": len(strangers),
        },
    )
    return DemoSetup(
        course=course,
        room=room,
        camera_id=camera.id,
        video_path=video_path,
        session_id=session.id,
        username=config.username,
        password=password,
        student_ids=tuple(person.id for person in people),
        stranger_count=len(strangers),
    )


async def _student(
    database: Database,
    model_pack: str,
    number: int,
    member: CastMember,
    now: datetime,
    portraits: bool,
) -> Person:
    """The numbered demo student, with one template of this model pack from their photo (and
    the portrait from it, when the board shows photos)."""
    external_id = f"{STUDENT_ID_PREFIX}{number}"
    try:
        person = await database.people.get_by_external_id(external_id)
        if not person.active:
            person = await database.people.update(person.id, active=True)
    except NotFound:
        person = await database.people.create(
            external_id=external_id,
            display_name=f"Demo Student {number}",
            consent_at=now,
            actor=ACTOR,
        )
    templates = await read_every_page(partial(database.templates.list_for_person, person.id))
    of_pack = [template for template in templates if template.model_pack == model_pack]
    if not of_pack:
        of_pack = await database.templates.add_set(
            person.id,
            [(member.embedding, member.det_score)],
            model_pack=model_pack,
            source=f"demo:{member.key}",
            actor=ACTOR,
            portrait=(0, member.portrait) if portraits else None,
        )
    elif portraits and await database.portraits.image(person.id) is None:
        await database.portraits.put(person.id, of_pack[0].id, member.portrait)
    return person


async def _course(database: Database) -> Course:
    courses = await read_every_page(database.courses.list)
    found = next((course for course in courses if course.code == COURSE_CODE), None)
    return found or await database.courses.create(code=COURSE_CODE, name=COURSE_NAME)


async def _roster(database: Database, course: Course, students: Sequence[Person]) -> None:
    """Exactly these demo students on the roster: an earlier start with more students left
    some who are no longer in the video (they would only ever be absent)."""
    wanted = {person.id for person in students}
    await database.courses.enrol(course.id, list(wanted), actor=ACTOR)
    roster = await read_every_page(partial(database.courses.roster, course.id))
    for person in roster:
        if person.id not in wanted and person.external_id.startswith(STUDENT_ID_PREFIX):
            await database.courses.unenrol(course.id, person.id, actor=ACTOR)


async def _room(database: Database) -> Room:
    rooms = await read_every_page(database.rooms.list)
    found = next((room for room in rooms if room.name == ROOM_NAME), None)
    return found or await database.rooms.create(ROOM_NAME)


async def _camera(database: Database, room: Room, video_path: Path) -> Camera:
    """The room's demo camera playing `video_path` (absolute); one playing an older video is
    replaced (a camera's URL cannot be edited)."""
    url = str(video_path)
    cameras = await read_every_page(partial(database.cameras.list, room_id=room.id))
    for camera in cameras:
        if camera.name != CAMERA_NAME or camera.kind is not CameraKind.FILE:
            continue
        if camera.connection_url() == url:
            if camera.enabled:
                return camera
            return await database.cameras.set_enabled(camera.id, True, actor=ACTOR)
        await database.cameras.delete(camera.id, actor=ACTOR)
    created = await database.cameras.create(
        name=CAMERA_NAME, kind=CameraKind.FILE, url=url, room_id=room.id, actor=ACTOR
    )
    return created.camera


async def _session(
    database: Database, course: Course, room: Room, config: DemoConfig, now: datetime
) -> ClassSession:
    """A fresh session of the demo course, open from now: each start of the demo is a new
    lesson (in the one a previous start left open, everyone would be present already and no
    new event would flow). That earlier lesson is closed, its absentees marked."""
    current = await database.sessions.current_in_room(room.id, now)
    if current is not None and current.course_id == course.id:
        await database.sessions.set_status(current.id, SessionStatus.CLOSED)
        await database.attendance.mark_absentees(current.id)
    created = await database.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now,
        scheduled_end=now + timedelta(hours=config.session_hours),
        grace_minutes=config.grace_minutes,
    )
    return await database.sessions.set_status(created.id, SessionStatus.OPEN)


async def _admin(database: Database, username: str, password: str) -> User:
    """The demo admin with `password` (argon2 hashing runs in a thread: it is slow on
    purpose); an existing one gets the new password and is re-enabled."""
    password_hash = await asyncio.to_thread(hash_password, password)
    users = await read_every_page(database.users.list)
    user = next((user for user in users if user.username == username), None)
    if user is None:
        return await database.users.create(
            username=username,
            password_hash=password_hash,
            role=Role.ADMIN,
            display_name="Demo administrator",
            actor=ACTOR,
        )
    await database.users.set_password_hash(user.id, password_hash, actor=ACTOR)
    return user if user.active else await database.users.set_active(user.id, True)
