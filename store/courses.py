"""Courses and their rosters (who is expected in the course's sessions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from store.audit import append_audit
from store.errors import NotFound
from store.events import EventKind, append_event
from store.pagination import DEFAULT_PAGE_SIZE, Page, build_page, check_page
from store.people import PERSON_COLUMNS, Person, person_from_row
from store.repository import Connection, Repository, affected
from store.users import Role


@dataclass(frozen=True)
class Course:
    id: UUID
    code: str
    name: str
    created_at: datetime
    external_id: str | None = None  # a OneRoster class's sourcedId: its roster follows bundles
    # False: no camera frame of the course's sessions is analysed (everyone marked by hand)
    recognition: bool = True


COURSE_COLUMNS = "id, code, name, created_at, external_id, recognition"


@dataclass(frozen=True)
class CourseTeacher:
    """A user who teaches the course (from a OneRoster bundle's teacher enrollments)."""

    user_id: UUID
    username: str
    display_name: str
    role: Role
    active: bool


def _course(row: asyncpg.Record) -> Course:
    return Course(**dict(row))


class Courses(Repository):
    async def create(self, *, code: str, name: str, recognition: bool = True) -> Course:
        row = await self._fetchrow(
            f"INSERT INTO courses (code, name, recognition) VALUES ($1, $2, $3)"
            f" RETURNING {COURSE_COLUMNS}",
            code,
            name,
            recognition,
        )
        assert row is not None
        return _course(row)

    async def get(self, course_id: UUID) -> Course:
        row = await self._fetchrow(f"SELECT {COURSE_COLUMNS} FROM courses WHERE id = $1", course_id)
        if row is None:
            raise NotFound("course", course_id)
        return _course(row)

    async def list(self, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0) -> Page[Course]:
        check_page(limit, offset)
        rows = await self._fetch(
            f"SELECT {COURSE_COLUMNS} FROM courses ORDER BY code, id LIMIT $1 OFFSET $2",
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, _course)

    async def update(
        self,
        course_id: UUID,
        *,
        name: str | None = None,
        recognition: bool | None = None,
        actor: str = "system",
    ) -> Course:
        """Change the given fields (the others keep their value); audited, and announced so
        that every process's cameras stop (or start) analysing the course's sessions."""
        async with self._transaction() as connection:
            row = await connection.fetchrow(
                f"UPDATE courses SET name = coalesce($2, name),"
                f" recognition = coalesce($3, recognition) WHERE id = $1"
                f" RETURNING {COURSE_COLUMNS}",
                course_id,
                name,
                recognition,
            )
            if row is None:
                raise NotFound("course", course_id)
            await append_audit(
                connection,
                actor=actor,
                action="course.update",
                entity_type="course",
                entity_id=course_id,
                details={
                    key: value
                    for key, value in (("name", name), ("recognition", recognition))
                    if value is not None
                },
            )
            await append_event(
                connection,
                EventKind.COURSE_CHANGED,
                {"course_id": str(course_id), "recognition": row["recognition"]},
            )
        return _course(row)

    async def delete(self, course_id: UUID, *, actor: str = "system") -> None:
        """InvalidReference while the course still has class sessions."""
        async with self._transaction() as connection:
            status = await connection.execute("DELETE FROM courses WHERE id = $1", course_id)
            if affected(status) == 0:
                raise NotFound("course", course_id)
            await append_audit(
                connection,
                actor=actor,
                action="course.delete",
                entity_type="course",
                entity_id=course_id,
            )

    async def enrol(
        self, course_id: UUID, person_ids: Sequence[UUID], *, actor: str = "system"
    ) -> int:
        """Add people to the roster (already there: kept); returns how many were added."""
        async with self._transaction() as connection:
            added = await enrol_people(connection, course_id, person_ids)
            await append_audit(
                connection,
                actor=actor,
                action="course.roster_add",
                entity_type="course",
                entity_id=course_id,
                details={"person_ids": [str(p) for p in person_ids], "added": added},
            )
        return added

    async def import_roster(
        self, course_id: UUID, person_ids: Sequence[UUID], *, rows: int, actor: str
    ) -> int:
        """`enrol` for the people a roster file of `rows` rows named: audited as an import,
        by its size rather than by every id."""
        async with self._transaction() as connection:
            added = await enrol_people(connection, course_id, person_ids)
            await append_audit(
                connection,
                actor=actor,
                action="course.roster_import",
                entity_type="course",
                entity_id=course_id,
                details={"rows": rows, "added": added},
            )
        return added

    async def unenrol(self, course_id: UUID, person_id: UUID, *, actor: str = "system") -> None:
        async with self._transaction() as connection:
            status = await connection.execute(
                "DELETE FROM course_people WHERE course_id = $1 AND person_id = $2",
                course_id,
                person_id,
            )
            if affected(status) == 0:
                raise NotFound("roster entry", (course_id, person_id))
            await append_audit(
                connection,
                actor=actor,
                action="course.roster_remove",
                entity_type="course",
                entity_id=course_id,
                details={"person_id": str(person_id)},
            )
            await append_event(connection, EventKind.ROSTER_CHANGED, {"course_id": str(course_id)})

    async def roster(
        self, course_id: UUID, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
    ) -> Page[Person]:
        check_page(limit, offset)
        columns = ", ".join(f"p.{c.strip()}" for c in PERSON_COLUMNS.split(","))
        rows = await self._fetch(
            f"SELECT {columns} FROM course_people c JOIN people p ON p.id = c.person_id"
            " WHERE c.course_id = $1 ORDER BY p.display_name, p.id LIMIT $2 OFFSET $3",
            course_id,
            limit + 1,
            offset,
        )
        return build_page(rows, limit, offset, person_from_row)

    async def teachers(self, course_id: UUID) -> tuple[CourseTeacher, ...]:
        """Who teaches the course, by username; unpaged: a course has a few teachers."""
        rows = await self._fetch(
            "SELECT u.id AS user_id, u.username, u.display_name, u.role, u.active"
            " FROM course_teachers t JOIN users u ON u.id = t.user_id"
            " WHERE t.course_id = $1 ORDER BY u.username",
            course_id,
        )
        return tuple(CourseTeacher(**{**dict(row), "role": Role(row["role"])}) for row in rows)

    async def is_enrolled(self, course_id: UUID, person_id: UUID) -> bool:
        return bool(
            await self._fetchval(
                "SELECT EXISTS (SELECT 1 FROM course_people"
                " WHERE course_id = $1 AND person_id = $2)",
                course_id,
                person_id,
            )
        )


async def enrol_people(connection: Connection, course_id: UUID, person_ids: Sequence[UUID]) -> int:
    """Add people to the roster in the caller's transaction, announcing a change; returns how
    many were not on it already."""
    added = affected(
        await connection.execute(
            "INSERT INTO course_people (course_id, person_id)"
            " SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
            course_id,
            list(person_ids),
        )
    )
    if added:
        await append_event(connection, EventKind.ROSTER_CHANGED, {"course_id": str(course_id)})
    return added
