"""The project fuzzes itself: schemathesis sends requests generated from the served
/api/openapi.json, valid ones and ones that break the schema, to `rollcall serve` on
127.0.0.1 over real PostgreSQL, signed in as an admin. No answer may be a 5xx, every answer
must match its documented schema (every error the documented shape, with a request id), and a
request that breaks the schema must be refused with a 4xx.

Seeded: the suite sends the same requests every time; `ROLLCALL_FUZZ_SEED=N` picks other ones
(the seed is printed, so a failure found with any seed replays).
`ROLLCALL_FUZZ_EXAMPLES=N` (Hypothesis cases per operation and mode, after the coverage cases;
default 20, about a minute on two cores) runs longer, as CI's security workflow does.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from tests.web.conftest import SignedIn
from tests.web.fuzzing import fuzz, ids_drawn_from
from tests.web.live.serve_process import ServiceRuns

DEFAULT_SEED = 20261207  # the suite runs the same requests each time; CI's longer run varies it
DEFAULT_EXAMPLES = 20
EXAMPLES = int(os.environ.get("ROLLCALL_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
# Signing out ends the admin's token: every request after it would be a 401.
LAST = {"POST /api/auth/logout"}


def _seed() -> int:
    return int(os.environ.get("ROLLCALL_FUZZ_SEED", DEFAULT_SEED))


# Rate limits are tested on their own; here they would answer most uploads and sign-ins with
# 429 before their bodies are even read.
UNLIMITED = {
    f"ROLLCALL_SERVICE__{name}": "10000"
    for name in (
        "LOGIN_PER_MINUTE",
        "LOGIN_BURST",
        "UPLOAD_PER_MINUTE",
        "UPLOAD_BURST",
        "OFFER_PER_MINUTE",
        "OFFER_BURST",
    )
}


@pytest.fixture
async def service(database_url: str, tmp_path: Path) -> AsyncIterator[ServiceRuns]:
    runs = ServiceRuns(database_url, tmp_path / "serve", settings=UNLIMITED)
    await runs.start()
    try:
        await runs.ready()
        yield runs
    finally:
        await runs.stop()


async def _made_before_the_run(url: str, admin: SignedIn) -> dict[str, str]:
    """A room, a course with a student, a camera, a session and a teacher, made through the
    API, by the path variable that names each: half the requests are about them."""
    async with aiohttp.ClientSession(url, headers=admin.headers) as client:

        async def post(path: str, body: dict[str, object]) -> dict[str, object]:
            async with client.post(path, json=body) as response:
                assert response.status in (200, 201), await response.text()
                return await response.json()

        room = await post("/api/rooms", {"name": "Room 101"})
        course = await post("/api/courses", {"code": "FZ-1", "name": "Fuzzing"})
        person = await post(
            "/api/people",
            {"external_id": "s-1", "display_name": "Sam", "consent_at": "2026-09-01T08:00:00Z"},
        )
        await post(f"/api/courses/{course['id']}/roster", {"person_ids": [person["id"]]})
        camera = await post(
            "/api/cameras", {"name": "front", "kind": "webrtc", "room_id": room["id"]}
        )
        now = datetime.now(UTC)
        session = await post(
            "/api/sessions",
            {
                "course_id": course["id"],
                "room_id": room["id"],
                "scheduled_start": now.isoformat(),
                "scheduled_end": (now + timedelta(hours=1)).isoformat(),
            },
        )
        teacher = await post(
            "/api/users",
            {"username": "tia", "password": "tia-correct-horse-battery", "role": "teacher"},
        )
    made = {
        "room_id": room,
        "course_id": course,
        "person_id": person,
        "camera_id": camera,
        "session_id": session,
        "user_id": teacher,
    }
    return {name: str(record["id"]) for name, record in made.items()}


@pytest.mark.slow
@pytest.mark.timeout(300 + 5 * EXAMPLES)  # ~3 s per case of every operation and mode here
async def test_no_generated_request_gets_a_5xx_or_an_answer_off_its_documented_schema(
    service: ServiceRuns, admin: SignedIn
) -> None:
    seed = _seed()
    print(f"fuzzing with ROLLCALL_FUZZ_SEED={seed} ROLLCALL_FUZZ_EXAMPLES={EXAMPLES}")
    known = await _made_before_the_run(service.url, admin)

    with ids_drawn_from(known.values()):
        tally = await asyncio.to_thread(
            fuzz, service.url, admin.headers, seed=seed, examples=EXAMPLES, known=known, last=LAST
        )

    print(tally.summary())
    report = "\n\n".join(f"== {where}\n{failure}" for where, failure in tally.failures.items())
    assert tally.server_errors == [], f"seed {seed}: {tally.server_errors}\n{report}"
    assert tally.failures == {}, f"seed {seed}:\n{report}"
    assert len(tally.operations) >= 60, "the run reached too few operations to mean much"
    internal_errors = [r for r in service.logs() if r.get("level") == "ERROR"]
    assert internal_errors == [], f"seed {seed}: logged as internal errors: {internal_errors[:3]}"
