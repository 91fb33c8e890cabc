"""Who on a roster the cameras cannot mark, and why: they are marked by hand only.

A course with recognition off has everyone marked by hand. Otherwise a student is left to the
teacher when the privacy rule wants a recorded consent they lack, or when they have no face
template the service's gallery (one model pack) could match.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from uuid import UUID

from store.database import Database
from store.people import Person

ManualOnly = Literal["recognition_off", "no_consent", "no_face_data"]


async def manual_only(
    database: Database, people: Sequence[Person], *, model_pack: str, recognition: bool
) -> dict[UUID, ManualOnly]:
    """The reason for each of `people` whom no camera can mark; the others are left out."""
    if not recognition:
        return {person.id: "recognition_off" for person in people}
    consent_required = database.privacy.consent_required
    reasons: dict[UUID, ManualOnly] = {}
    maybe = []
    for person in people:
        if consent_required and person.consent_at is None:
            reasons[person.id] = "no_consent"
        else:
            maybe.append(person.id)
    with_templates = await database.templates.people_with_templates(maybe, model_pack=model_pack)
    reasons.update(
        {person_id: "no_face_data" for person_id in maybe if person_id not in with_templates}
    )
    return reasons
