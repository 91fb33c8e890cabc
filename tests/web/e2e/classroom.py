"""A class configured through the REST API as an admin would: people enrolled from photos,
a course with its roster, a room, and a class session that the teacher starts now.

Cameras are added by each test, last, so that a clip starts playing once all else is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.web.e2e.api_client import CONSENTED, ApiClient
from tests.web.scenes import ClassroomClip


@dataclass(frozen=True)
class Absentee:
    """A roster member enrolled from their photos who never shows up in the clip."""

    identity: str
    photos: tuple[Path, ...]


@dataclass(frozen=True)
class ConfiguredClass:
    session_id: str
    room_id: str
    person_ids: dict[str, str]  # LFW identity -> person id, for everyone enrolled
    students: tuple[str, ...]  # in the clip: must become present
    absentee: str  # on the roster, not in the clip: must stay absent

    def identity_of(self, person_id: str) -> str:
        return next(name for name, pid in self.person_ids.items() if pid == person_id)


@dataclass(frozen=True)
class OpenSession:
    course_id: str
    room_id: str
    session_id: str


async def open_session(
    admin: ApiClient,
    opener: ApiClient,
    person_ids: list[str],
    *,
    course: tuple[str, str],
    room: str,
    started_ago: timedelta,
) -> OpenSession:
    """A course (code, name) with these people on its roster, a room, and a session there
    scheduled from `started_ago` until an hour from now, opened by `opener`."""
    created = await admin.call(
        "POST", "/api/courses", json={"code": course[0], "name": course[1]}, expect=201
    )
    roster = await admin.call(
        "POST", f"/api/courses/{created['id']}/roster", json={"person_ids": person_ids}
    )
    assert roster["added"] == len(person_ids)
    place = await admin.call("POST", "/api/rooms", json={"name": room}, expect=201)
    now = datetime.now(UTC)
    session = await admin.call(
        "POST",
        "/api/sessions",
        json={
            "course_id": created["id"],
            "room_id": place["id"],
            "scheduled_start": (now - started_ago).isoformat(),
            "scheduled_end": (now + timedelta(hours=1)).isoformat(),
            "grace_minutes": 10,
        },
        expect=201,
    )
    started = await opener.call("POST", f"/api/sessions/{session['id']}/start")
    assert started["status"] == "open"
    return OpenSession(created["id"], place["id"], session["id"])


async def configure_class(
    admin: ApiClient, teacher: ApiClient, clip: ClassroomClip, absentee: Absentee
) -> ConfiguredClass:
    assert absentee.identity not in clip.shown, "the absentee must not be in the clip"
    for name, photos in clip.enrolled.items():
        assert clip.shown[name] not in photos, f"{name} is shown by a photo not enrolled"
    enrolments = {**clip.enrolled, absentee.identity: absentee.photos}
    person_ids = {}
    for number, (identity, photos) in enumerate(enrolments.items()):
        person = await admin.call(
            "POST",
            "/api/people",
            json={
                "external_id": f"E2E-{number:03d}",
                "display_name": identity.replace("_", " "),
                "consent_at": CONSENTED,
            },
            expect=201,
        )
        person_ids[identity] = person["id"]
        await admin.enrol(person["id"], photos)

    opened = await open_session(
        admin,
        teacher,
        list(person_ids.values()),
        course=("PHY-E2E", "Physics"),
        room="Room E2E",
        started_ago=timedelta(seconds=30),
    )
    return ConfiguredClass(
        session_id=opened.session_id,
        room_id=opened.room_id,
        person_ids=person_ids,
        students=clip.students,
        absentee=absentee.identity,
    )
