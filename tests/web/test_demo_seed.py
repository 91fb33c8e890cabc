"""Seeding the demo on a real PostgreSQL with the real models: a consistent demo whose video's
students are recognised from the seeded templates, and a second start that reuses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import av
import numpy as np

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from recognizer.gallery import Gallery
from recognizer.templates import Template
from store.cameras import CameraKind
from store.database import Database
from store.passwords import verify_password
from store.sessions import SessionStatus
from store.users import Role
from web.demo.cast import find_cast, split_cast
from web.demo.config import DemoConfig
from web.demo.photos import locate_demo_photos
from web.demo.scene import first_clear_view
from web.demo.seed import DemoSetup, seed_demo
from web.demo.video import demo_actors

# Smaller and shorter than the real demo's video, same cast: cheap to write in every test.
CONFIG = DemoConfig(video_width=960, video_height=540, video_fps=5, video_seconds=6.0)


async def counts(db: Database) -> dict[str, int]:
    return {
        "people": len((await db.people.list()).items),
        "courses": len((await db.courses.list()).items),
        "rooms": len((await db.rooms.list()).items),
        "cameras": len((await db.cameras.list()).items),
        "users": len((await db.users.list()).items),
    }


async def test_seeding_creates_a_course_of_enrolled_students_a_camera_on_the_video_a_session_now_and_an_admin(  # noqa: E501
    db: Database, analyzer: FaceAnalyzer, tmp_path: Path
) -> None:
    before = datetime.now(UTC)
    setup = await seed_demo(db, analyzer, tmp_path / "demo", CONFIG)

    roster = await db.courses.roster(setup.course.id)
    assert {person.id for person in roster.items} == set(setup.student_ids)
    assert len(setup.student_ids) == 6 and setup.stranger_count == 4
    assert sorted(person.display_name for person in roster.items) == [
        f"Demo Student {n}" for n in range(1, 7)
    ]
    for student_id in setup.student_ids:
        templates = (await db.templates.list_for_person(student_id)).items
        assert [t.model_pack for t in templates] == [analyzer.pack_name]
        assert templates[0].dim == analyzer.embedding_dim

    camera = await db.cameras.get(setup.camera_id)
    assert camera.kind is CameraKind.FILE and camera.enabled
    assert camera.room_id == setup.room.id
    assert camera.connection_url() == str(setup.video_path)
    assert setup.video_path.is_absolute() and setup.video_path.is_file()
    assert setup.video_path.parent == (tmp_path / "demo").resolve()
    with av.open(str(setup.video_path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (960, 540)

    session = await db.sessions.get(setup.session_id)
    assert session.status is SessionStatus.OPEN
    assert (session.course_id, session.room_id) == (setup.course.id, setup.room.id)
    assert before - timedelta(seconds=1) <= session.scheduled_start <= datetime.now(UTC)
    assert session.scheduled_end - session.scheduled_start == timedelta(hours=8)
    assert session.grace_minutes == 1
    current = await db.sessions.current_in_room(setup.room.id, datetime.now(UTC))
    assert current is not None and current.id == setup.session_id

    credentials = await db.users.credentials(setup.username)
    assert credentials.user.role is Role.ADMIN
    assert verify_password(credentials.password_hash, setup.password)
    assert setup.password not in repr(setup)


async def test_a_second_start_reuses_everything_but_the_lesson_and_the_password(
    db: Database, analyzer: FaceAnalyzer, tmp_path: Path
) -> None:
    first = await seed_demo(db, analyzer, tmp_path, CONFIG)
    written = first.video_path.stat().st_mtime_ns
    made = await counts(db)

    second = await seed_demo(db, analyzer, tmp_path, CONFIG)

    assert (second.course, second.room, second.camera_id) == (
        first.course,
        first.room,
        first.camera_id,
    )
    # a fresh lesson, so the demo's students are marked present again as the video plays
    assert second.session_id != first.session_id
    assert (await db.sessions.get(first.session_id)).status is SessionStatus.CLOSED
    assert second.student_ids == first.student_ids
    assert (
        await counts(db)
        == made
        == {
            "people": 6,
            "courses": 1,
            "rooms": 1,
            "cameras": 1,
            "users": 1,
        }
    )
    for student_id in second.student_ids:
        assert len((await db.templates.list_for_person(student_id)).items) == 1
    assert second.video_path.stat().st_mtime_ns == written
    credentials = await db.users.credentials(second.username)
    assert second.password != first.password
    assert verify_password(credentials.password_hash, second.password)
    assert not verify_password(credentials.password_hash, first.password)


async def test_a_demo_student_whose_consent_was_withdrawn_is_not_enrolled_again(
    db: Database, analyzer: FaceAnalyzer, tmp_path: Path
) -> None:
    first = await seed_demo(db, analyzer, tmp_path, CONFIG)
    withdrawn, *others = first.student_ids
    await db.people.withdraw_consent(withdrawn, actor="demo-admin")

    second = await seed_demo(db, analyzer, tmp_path, CONFIG)

    assert second.student_ids == first.student_ids  # still on the course, marked by hand
    assert (await db.templates.list_for_person(withdrawn)).items == ()
    assert (await db.people.get(withdrawn)).consent_at is None
    for student_id in others:
        assert len((await db.templates.list_for_person(student_id)).items) == 1


async def test_later_starts_open_a_new_session_rewrite_a_lost_video_and_follow_the_cast_size(
    db: Database, analyzer: FaceAnalyzer, tmp_path: Path
) -> None:
    start = datetime.now(UTC)
    first = await seed_demo(db, analyzer, tmp_path, CONFIG, now=start)
    first.video_path.unlink()

    later = await seed_demo(db, analyzer, tmp_path, CONFIG, now=start + timedelta(hours=9))

    assert later.session_id != first.session_id
    assert later.video_path == first.video_path and later.video_path.is_file()
    assert later.camera_id == first.camera_id
    session = await db.sessions.get(later.session_id)
    assert session.status is SessionStatus.OPEN
    assert session.scheduled_start == start + timedelta(hours=9)

    fewer = await seed_demo(
        db, analyzer, tmp_path, CONFIG.model_copy(update={"students": 4}), now=start
    )
    roster = await db.courses.roster(fewer.course.id)
    assert {person.id for person in roster.items} == set(fewer.student_ids)
    assert fewer.student_ids == first.student_ids[:4]

    # a start while the previous start's lesson is still open: a new lesson, the old one ended
    again = await seed_demo(db, analyzer, tmp_path, CONFIG, now=start + timedelta(hours=10))
    assert again.session_id not in (first.session_id, later.session_id, fewer.session_id)
    assert (await db.sessions.get(again.session_id)).status is SessionStatus.OPEN
    assert (await db.sessions.get(later.session_id)).status is SessionStatus.CLOSED


async def test_the_demo_video_shows_students_recognised_by_the_seeded_templates_and_strangers_not(
    db: Database, analyzer: FaceAnalyzer, tmp_path: Path
) -> None:
    setup: DemoSetup = await seed_demo(db, analyzer, tmp_path, CONFIG)
    matrix = await db.templates.load_matrix(analyzer.pack_name, course_id=setup.course.id)
    gallery = Gallery.from_templates(
        RecognizerConfig(),
        [
            Template(template_id, person_id, embedding)
            for template_id, person_id, embedding in zip(
                matrix.template_ids, matrix.person_ids, matrix.embeddings, strict=True
            )
        ],
        analyzer.embedding_dim,
    )
    # The staging is deterministic: rebuild it to know who is where, and when.
    cast = find_cast(analyzer, locate_demo_photos().paths, CONFIG.students + CONFIG.strangers)
    students, strangers = split_cast(cast, CONFIG.students)
    expected = {m.key: pid for m, pid in zip(students, setup.student_ids, strict=True)}
    expected |= {member.key: None for member in strangers}
    with av.open(str(setup.video_path)) as container:
        frames = [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]

    found: dict[str, UUID | None] = {}
    for actor in demo_actors(students, strangers, CONFIG):
        seen = first_clear_view(actor, CONFIG.video_size, CONFIG.video_fps)
        assert seen is not None, actor.name
        t = seen + 0.4  # a moment after arriving: still unhidden, wholly in view
        placement = actor.placement(t, CONFIG.video_size)
        assert placement is not None and not actor.occluded(t)
        faces = analyzer.analyze([frames[round(t * CONFIG.video_fps)]])[0]
        mine = [
            face.embedding
            for face in faces
            if face.embedding is not None
            and placement.contains(
                float(face.bbox[0] + face.bbox[2]) / 2, float(face.bbox[1] + face.bbox[3]) / 2
            )
        ]
        assert len(mine) == 1, actor.name
        match = gallery.identify(np.stack(mine))[0]
        found[actor.name] = match.person_id if match.accepted else None

    assert found == expected
