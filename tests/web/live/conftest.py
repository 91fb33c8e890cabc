"""A classroom for the live runtime's tests: real photos, a real clip, a real database.

Students are enrolled from one LFW photo each and appear in the clip from another; the
clip is an H.264 file that a file camera plays in a loop, as a recording of a live camera.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from recognizer.images import load_image
from store.cameras import Camera, CameraKind
from store.database import Database
from store.people import Person
from store.sessions import ClassSession
from web.demo.scene import Actor, write_scene
from web.live.hub import Subscription
from web.live.messages import LiveMessage
from web.live.runtime import LiveRuntime
from web.settings import Settings
from web.telemetry.metrics import Metrics

Message = dict[str, Any]  # a live message as a client reads it off the wire


def as_sent(message: LiveMessage) -> Message:
    return json.loads(message.json_text)


STUDENTS = ("Ann_Veneman", "Grant_Hackett")  # on the session's roster
OTHER_COURSE = "Geraldine_Chaplin"  # enrolled, but in another course
STRANGER = "Gordon_Brown"  # never enrolled
LATECOMER = "Bob_Graham"  # on the roster; enrolled only while the runtime runs

CLIP_SIZE = (640, 480)
CLIP_FPS = 10
CLIP_SECONDS = 6.0
ENTER_S = 1.0  # everyone steps into view one second into the clip
SEATS = {  # centre of each person's photo (fractions of the frame), drifting a little
    "Ann_Veneman": ((0.18, 0.3), (0.2, 0.32)),
    "Grant_Hackett": ((0.5, 0.3), (0.52, 0.3)),
    "Geraldine_Chaplin": ((0.82, 0.3), (0.8, 0.32)),
    "Gordon_Brown": ((0.3, 0.75), (0.32, 0.74)),
    "Bob_Graham": ((0.7, 0.75), (0.7, 0.76)),
}
WAIT_S = 90.0  # bound on every wait for something that must happen


@dataclass(frozen=True)
class Cast:
    embeddings: dict[str, np.ndarray]  # enrolment photo's embedding per enrollable person
    clip: Path


def _photos(faces_dir: Path, name: str) -> list[Path]:
    return sorted((faces_dir / "lfw" / name).glob("*.jpg"))


@pytest.fixture(scope="session")
def cast(analyzer: FaceAnalyzer, faces_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Cast:
    embeddings = {}
    for name in (*STUDENTS, OTHER_COURSE, LATECOMER):
        faces = analyzer.analyze([load_image(_photos(faces_dir, name)[0])])[0]
        face = max(faces, key=lambda f: f.quality.size_px)
        assert face.embedding is not None, f"{name}'s enrolment photo must hold a usable face"
        embeddings[name] = face.embedding
    actors = [
        Actor(
            image=load_image(_photos(faces_dir, name)[1]),
            enter_s=ENTER_S,
            exit_s=CLIP_SECONDS,
            start=start,
            end=end,
            height=0.42,
            name=name,
        )
        for name, (start, end) in SEATS.items()
    ]
    clip = tmp_path_factory.mktemp("live") / "classroom.mp4"
    write_scene(clip, actors, CLIP_SIZE, CLIP_FPS, seconds=CLIP_SECONDS)
    return Cast(embeddings, clip)


@dataclass(frozen=True)
class Classroom:
    session: ClassSession
    camera: Camera
    people: dict[str, Person]  # every enrollable person by LFW name


async def seed_classroom(
    db: Database,
    cast: Cast,
    model_pack: str,
    *,
    with_camera: bool = True,
    without_templates: tuple[str, ...] = (LATECOMER,),
) -> Classroom:
    """A course of STUDENTS and LATECOMER, another course of OTHER_COURSE, a room whose file
    camera plays the clip, and a session of the course running now in that room."""
    course = await db.courses.create(code="BIO101", name="Biology")
    other = await db.courses.create(code="ART202", name="Drawing")
    room = await db.rooms.create("Lecture hall 1")
    people = {}
    for index, name in enumerate(cast.embeddings):
        person = await db.people.create(
            external_id=f"S-{index:04d}",
            display_name=name.replace("_", " "),
            consent_at=datetime.now(UTC) - timedelta(days=30),  # consented to recognition
        )
        people[name] = person
        if name not in without_templates:
            await db.templates.add(person.id, cast.embeddings[name], model_pack=model_pack)
    await db.courses.enrol(course.id, [people[n].id for n in (*STUDENTS, LATECOMER)])
    await db.courses.enrol(other.id, [people[OTHER_COURSE].id])
    camera = (
        await db.cameras.create(
            name="front",
            kind=CameraKind.FILE,
            url=str(cast.clip),
            room_id=room.id,
            enabled=with_camera,
        )
    ).camera
    now = datetime.now(UTC)
    session = await db.sessions.create(
        course_id=course.id,
        room_id=room.id,
        scheduled_start=now - timedelta(minutes=1),
        scheduled_end=now + timedelta(hours=1),
        grace_minutes=10,
    )
    return Classroom(session, camera, people)


@dataclass
class Live:
    """A running runtime with what the tests look at."""

    runtime: LiveRuntime
    gallery: Gallery
    metrics: Metrics


@pytest.fixture
def start_live(
    settings: Settings, db: Database, analyzer: FaceAnalyzer, executor: ThreadPoolExecutor
) -> Callable[[], AbstractAsyncContextManager[Live]]:
    """`async with start_live() as live:` a runtime with a fresh gallery and metrics."""

    @asynccontextmanager
    async def start() -> AsyncIterator[Live]:
        gallery = Gallery(settings.recognizer, analyzer.embedding_dim)
        metrics = Metrics()
        async with LiveRuntime(settings, db, analyzer, gallery, metrics, executor) as runtime:
            yield Live(runtime, gallery, metrics)

    return start


async def receive_until(
    subscription: Subscription,
    done: Callable[[list[Message]], bool],
    timeout_s: float = WAIT_S,
) -> list[Message]:
    """Messages until `done(messages)` holds; fails when it does not within the bound."""
    messages: list[Message] = []
    try:
        async with asyncio.timeout(timeout_s):
            while not done(messages):
                messages.append(as_sent(await anext(subscription)))
    except TimeoutError:
        kinds = [m["type"] for m in messages]
        raise AssertionError(f"not reached in {timeout_s} s; received {kinds}") from None
    return messages


async def receive_for(subscription: Subscription, seconds: float) -> list[Message]:
    """Every message of the next `seconds` (looking for what must not come)."""
    messages: list[Message] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            async with asyncio.timeout(left):
                messages.append(as_sent(await anext(subscription)))
        except TimeoutError:
            break
    return messages


def present(messages: list[Message], person_id: UUID) -> list[Message]:
    """The attendance messages that made the person present (the row's first write)."""
    return [
        m
        for m in messages
        if m["type"] == "attendance" and m["person_id"] == str(person_id) and m["inserted"]
    ]


async def until(condition: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    """Wait for `condition` to hold; fails when it does not within the bound."""
    for _ in range(int(timeout_s / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not reached in {timeout_s} s")


def arrivals_clip(faces_dir: Path, path: Path, enters: dict[str, float], seconds: float) -> Path:
    """A clip of the people in `enters` walking into their seats at those times (seconds into
    it) and staying to its end, each from their second photo."""
    actors = [
        Actor(
            image=load_image(sorted((faces_dir / "lfw" / name).glob("*.jpg"))[1]),
            enter_s=enter_s,
            exit_s=seconds,
            start=SEATS[name][0],
            end=SEATS[name][1],
            height=0.42,
            name=name,
        )
        for name, enter_s in enters.items()
    ]
    return write_scene(path, actors, CLIP_SIZE, CLIP_FPS, seconds=seconds)
