"""A class configured through the REST API as an admin would: people enrolled from photos,
a course with its roster, a room, and a class session that the teacher starts now.

Cameras are added by each test, last, so that a clip starts playing once all else is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.web.e2e.api_client import ApiClient
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
            json={"external_id": f"E2E-{number:03d}", "display_name": identity.replace("_", " ")},
            expect=201,
        )
        person_ids[identity] = person["id"]
        await admin.enrol(person["id"], photos)

    course = await admin.call(
        "POST", "/api/courses", json={"code": "PHY-E2E", "name": "Physics"}, expect=201
    )
    roster = await admin.call(
        "POST",
        f"/api/courses/{course['id']}/roster",
        json={"person_ids": list(person_ids.values())},
    )
    assert roster["added"] == len(person_ids)
    room = await admin.call("POST", "/api/rooms", json={"name": "Room E2E"}, expect=201)
    now = datetime.now(UTC)
    session = await admin.call(
        "POST",
        "/api/sessions",
        json={
            "course_id": course["id"],
            "room_id": room["id"],
            "scheduled_start": (now - timedelta(seconds=30)).isoformat(),
            "scheduled_end": (now + timedelta(hours=1)).isoformat(),
            "grace_minutes": 10,
        },
        expect=201,
    )
    started = await teacher.call("POST", f"/api/sessions/{session['id']}/start")
    assert started["status"] == "open"
    return ConfiguredClass(
        session_id=session["id"],
        room_id=room["id"],
        person_ids=person_ids,
        students=clip.students,
        absentee=absentee.identity,
    )
