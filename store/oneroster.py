"""A OneRoster bundle written in one transaction: students, teachers, classes and rosters.

The bundle is the school's whole roster (bulk mode): what it names is created or brought up to
date, and what an earlier bundle brought in but this one leaves out is deactivated (people,
teachers) or taken off (roster places, teaching). Only what a bundle brought in is ever
deactivated: people and users carry `roster_source = 'oneroster'`, a class's course its
`external_id`. Everything is written with set-based statements over temporary tables filled by
COPY, so the cost grows with the bundle's size, not with its rows times round trips.

Nothing a bundle says can make or change an admin: teachers are created as teachers with no
password (an admin sets one), and a user who is an admin now is never renamed, deactivated or
adopted by a bundle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from uuid import UUID

import asyncpg

from store.audit import append_audit
from store.errors import StoreError
from store.events import EventKind
from store.passwords import UNUSABLE_PASSWORD_HASH
from store.repository import Connection, Repository, affected

SOURCE = "oneroster"
# Imports take turns (a transaction-level advisory lock): two bundles at once would each
# deactivate what the other brings in.
_LOCK_KEY = 0x4F6E65526F737472  # "OneRostr" in ASCII
MAX_CODE_LENGTH = 100  # as courses.code allows


@dataclass(frozen=True)
class BundleStudent:
    sourced_id: str
    display_name: str
    active: bool  # enabledUser


@dataclass(frozen=True)
class BundleTeacher:
    sourced_id: str
    username: str
    display_name: str
    active: bool


@dataclass(frozen=True)
class BundleClass:
    sourced_id: str
    code: str  # wanted; made unique by `assign_codes` where another course holds it
    name: str


@dataclass(frozen=True)
class RosterBundle:
    """What a checked bundle says; every reference in it resolves inside it."""

    students: Sequence[BundleStudent]
    teachers: Sequence[BundleTeacher]
    classes: Sequence[BundleClass]
    enrollments: Sequence[tuple[str, str]]  # (class sourcedId, student sourcedId)
    teaching: Sequence[tuple[str, str]]  # (class sourcedId, teacher sourcedId)


@dataclass(frozen=True)
class RosterChanges:
    """What an import changed; a bundle imported twice changes nothing the second time."""

    students_created: int = 0
    students_updated: int = 0
    students_deactivated: int = 0
    teachers_created: int = 0
    teachers_updated: int = 0
    teachers_deactivated: int = 0
    classes_created: int = 0
    classes_updated: int = 0
    enrollments_added: int = 0
    enrollments_removed: int = 0
    teaching_added: int = 0
    teaching_removed: int = 0


@dataclass(frozen=True)
class BundleConflict:
    """A row the database refuses: `kind` is 'user' or 'class', `sourced_id` its row's."""

    kind: str
    sourced_id: str
    message: str


class BundleRefused(StoreError):
    """The bundle clashes with what is stored (usernames, course codes); nothing was written."""

    def __init__(self, conflicts: Sequence[BundleConflict]) -> None:
        self.conflicts = tuple(conflicts)
        super().__init__(f"{len(self.conflicts)} row(s) clash with stored users or courses")


@dataclass(frozen=True)
class _StoredUser:
    id: UUID
    username: str
    external_id: str | None
    role: str


def _suffixed(code: str, sourced_id: str) -> str:
    """`code` told apart by its class's sourcedId (or a digest of it, when that is too long)."""
    plain = f"{code} ({sourced_id})"
    if len(plain) <= MAX_CODE_LENGTH:
        return plain
    digest = hashlib.sha256(sourced_id.encode()).hexdigest()[:10]
    return f"{code[: MAX_CODE_LENGTH - len(digest) - 3]} ({digest})"


def assign_codes(
    classes: Sequence[BundleClass], stored: Sequence[tuple[str, str | None]]
) -> tuple[dict[str, str], list[BundleConflict]]:
    """Each class's course code: its own where free, else told apart by its sourcedId.

    `stored` is every course's (code, external_id). Codes of courses that are classes of this
    bundle are free to be handed out again (they are assigned anew here); the others are
    taken. Classes are served in sourcedId order, so the same bundle over the same other
    courses gets the same codes whatever the order of its rows."""
    ours = {c.sourced_id for c in classes}
    taken = {code for code, external_id in stored if external_id not in ours}
    codes: dict[str, str] = {}
    conflicts: list[BundleConflict] = []
    for cls in sorted(classes, key=lambda c: c.sourced_id):
        for candidate in (cls.code, _suffixed(cls.code, cls.sourced_id)):
            if candidate not in taken:
                codes[cls.sourced_id] = candidate
                taken.add(candidate)
                break
        else:
            conflicts.append(
                BundleConflict(
                    "class",
                    cls.sourced_id,
                    f"the course code {cls.code!r} and {_suffixed(cls.code, cls.sourced_id)!r}"
                    " are both taken by other courses",
                )
            )
    return codes, conflicts


def username_plan(
    teachers: Sequence[BundleTeacher], stored: Sequence[_StoredUser]
) -> tuple[dict[str, UUID], list[BundleConflict]]:
    """Users to adopt (a teacher added by hand whose username a bundle teacher has, and whom
    no user stands for yet: sourcedId -> user id), and the teachers whose username is taken."""
    by_username = {user.username: user for user in stored}
    by_source = {user.external_id: user for user in stored if user.external_id is not None}
    ours = {t.sourced_id for t in teachers}
    adopt: dict[str, UUID] = {}
    conflicts: list[BundleConflict] = []
    for teacher in teachers:
        holder = by_username.get(teacher.username)
        if holder is None or holder.external_id == teacher.sourced_id:
            continue
        if holder.role != "teacher":
            problem = "belongs to an admin; a OneRoster row never changes an admin's account"
        elif holder.external_id is None and teacher.sourced_id not in by_source:
            adopt[teacher.sourced_id] = holder.id
            continue
        elif holder.external_id is None:
            problem = "belongs to another user, added by hand"
        elif holder.external_id in ours:
            continue  # that teacher takes another username in this bundle: handed over
        else:
            problem = (
                f"belongs to the user of sourcedId {holder.external_id!r}, of an earlier bundle"
            )
        conflicts.append(
            BundleConflict(
                "user", teacher.sourced_id, f"the username {teacher.username!r} {problem}"
            )
        )
    return adopt, conflicts


_TEMP_TABLES = """
CREATE TEMP TABLE bundle_students (
    sourced_id text PRIMARY KEY, display_name text NOT NULL, active boolean NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE bundle_teachers (
    sourced_id text PRIMARY KEY, username text NOT NULL UNIQUE, display_name text NOT NULL,
    active boolean NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE bundle_classes (
    sourced_id text PRIMARY KEY, code text NOT NULL UNIQUE, name text NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE bundle_enrollments (
    class_id text NOT NULL, user_id text NOT NULL, PRIMARY KEY (class_id, user_id)
) ON COMMIT DROP;
CREATE TEMP TABLE bundle_teaching (
    class_id text NOT NULL, user_id text NOT NULL, PRIMARY KEY (class_id, user_id)
) ON COMMIT DROP;
"""

# A key moved aside first, so that two rows trading keys never meet the unique constraint
# half-way (PostgreSQL checks it row by row); '~' is in no username or code a person types.
_ASIDE = "'~' || id::text"

_UPDATE_STUDENTS = """
WITH changed AS (
    SELECT p.id, p.active AS was_active
    FROM people p JOIN bundle_students b ON b.sourced_id = p.external_id
    WHERE p.display_name <> b.display_name OR p.active <> b.active
       OR p.roster_source IS DISTINCT FROM $1
)
UPDATE people p SET display_name = b.display_name, active = b.active, roster_source = $1,
       updated_at = now()
FROM changed c, bundle_students b
WHERE p.id = c.id AND b.sourced_id = p.external_id
RETURNING p.id, p.active, c.was_active
"""

_CREATE_STUDENTS = """
INSERT INTO people (external_id, display_name, active, roster_source)
SELECT b.sourced_id, b.display_name, b.active, $1 FROM bundle_students b
WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.external_id = b.sourced_id)
ORDER BY b.sourced_id
"""

_DEACTIVATE_STUDENTS = """
UPDATE people p SET active = false, updated_at = now()
WHERE p.roster_source = $1 AND p.active
  AND NOT EXISTS (SELECT 1 FROM bundle_students b WHERE b.sourced_id = p.external_id)
RETURNING p.id
"""

_MOVE_USERNAMES_ASIDE = f"""
UPDATE users u SET username = {_ASIDE}
FROM bundle_teachers b
WHERE u.external_id = b.sourced_id AND u.role = 'teacher' AND u.username <> b.username
"""

_UPDATE_TEACHERS = """
WITH changed AS (
    SELECT u.id, u.active AS was_active
    FROM users u JOIN bundle_teachers b ON b.sourced_id = u.external_id
    WHERE u.role = 'teacher'
      AND (u.username <> b.username OR u.display_name <> b.display_name
           OR u.active <> b.active OR u.roster_source IS DISTINCT FROM $1)
)
UPDATE users u SET username = b.username, display_name = b.display_name, active = b.active,
       roster_source = $1
FROM changed c, bundle_teachers b
WHERE u.id = c.id AND b.sourced_id = u.external_id
RETURNING u.id, u.active, c.was_active
"""

_CREATE_TEACHERS = """
INSERT INTO users (username, display_name, role, password_hash, active, external_id,
                   roster_source)
SELECT b.username, b.display_name, 'teacher', $2, b.active, b.sourced_id, $1
FROM bundle_teachers b
WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.external_id = b.sourced_id)
ORDER BY b.sourced_id
"""

_DEACTIVATE_TEACHERS = """
UPDATE users u SET active = false
WHERE u.roster_source = $1 AND u.role = 'teacher' AND u.active
  AND NOT EXISTS (SELECT 1 FROM bundle_teachers b WHERE b.sourced_id = u.external_id)
RETURNING u.id
"""

_MOVE_CODES_ASIDE = f"""
UPDATE courses c SET code = {_ASIDE}
FROM bundle_classes b
WHERE c.external_id = b.sourced_id AND c.code <> b.code
"""

_CREATE_CLASSES = """
INSERT INTO courses (code, name, external_id)
SELECT b.code, b.name, b.sourced_id FROM bundle_classes b
WHERE NOT EXISTS (SELECT 1 FROM courses c WHERE c.external_id = b.sourced_id)
ORDER BY b.sourced_id
"""

_UPDATE_CLASSES = """
UPDATE courses c SET code = b.code, name = b.name
FROM bundle_classes b
WHERE c.external_id = b.sourced_id AND (c.code <> b.code OR c.name <> b.name)
"""

# Rosters of the bundle's classes become exactly its enrollments; those of classes it leaves
# out are kept as they were (their sessions' history reads them).
_ADD_ENROLLMENTS = """
INSERT INTO course_people (course_id, person_id)
SELECT c.id, p.id
FROM bundle_enrollments e
JOIN courses c ON c.external_id = e.class_id
JOIN people p ON p.external_id = e.user_id
ORDER BY c.id, p.id
ON CONFLICT DO NOTHING
RETURNING course_id
"""

_REMOVE_ENROLLMENTS = """
DELETE FROM course_people cp
USING courses c, bundle_classes b
WHERE cp.course_id = c.id AND c.external_id = b.sourced_id
  AND NOT EXISTS (
      SELECT 1 FROM bundle_enrollments e JOIN people p ON p.external_id = e.user_id
      WHERE e.class_id = b.sourced_id AND p.id = cp.person_id)
RETURNING cp.course_id
"""

_ADD_TEACHING = """
INSERT INTO course_teachers (course_id, user_id)
SELECT c.id, u.id
FROM bundle_teaching t
JOIN courses c ON c.external_id = t.class_id
JOIN users u ON u.external_id = t.user_id
ORDER BY c.id, u.id
ON CONFLICT DO NOTHING
"""

_REMOVE_TEACHING = """
DELETE FROM course_teachers ct
USING courses c, bundle_classes b
WHERE ct.course_id = c.id AND c.external_id = b.sourced_id
  AND NOT EXISTS (
      SELECT 1 FROM bundle_teaching t JOIN users u ON u.external_id = t.user_id
      WHERE t.class_id = b.sourced_id AND u.id = ct.user_id)
"""

_ANNOUNCE_PEOPLE = """
INSERT INTO events (kind, payload)
SELECT $1, jsonb_build_object('person_id', id, 'active', active)
FROM unnest($2::uuid[], $3::boolean[]) AS t(id, active)
"""

_ANNOUNCE_ROSTERS = """
INSERT INTO events (kind, payload)
SELECT $1, jsonb_build_object('course_id', id) FROM unnest($2::uuid[]) AS t(id)
"""


_FINGERPRINT = """
SELECT
  (SELECT count(*) FROM people WHERE roster_source = $1) AS students,
  (SELECT count(*) FROM people WHERE roster_source = $1 AND active) AS students_active,
  (SELECT count(*) FROM users WHERE roster_source = $1) AS teachers,
  (SELECT count(*) FROM courses WHERE external_id IS NOT NULL) AS classes,
  (SELECT count(*) FROM course_people cp JOIN courses c ON c.id = cp.course_id
   WHERE c.external_id IS NOT NULL) AS enrollments,
  (SELECT count(*) FROM course_teachers) AS teaching,
  md5(concat_ws('/',
    (SELECT string_agg(concat_ws('|', external_id, display_name, active), ',' ORDER BY external_id)
     FROM people WHERE roster_source = $1),
    (SELECT string_agg(concat_ws('|', external_id, username, display_name, active), ','
                       ORDER BY external_id) FROM users WHERE roster_source = $1),
    (SELECT string_agg(concat_ws('|', external_id, code, name), ',' ORDER BY external_id)
     FROM courses WHERE external_id IS NOT NULL),
    (SELECT string_agg(concat_ws('|', c.external_id, p.external_id), ','
                       ORDER BY c.external_id, p.external_id)
     FROM course_people cp JOIN courses c ON c.id = cp.course_id
     JOIN people p ON p.id = cp.person_id WHERE c.external_id IS NOT NULL),
    (SELECT string_agg(concat_ws('|', c.external_id, u.external_id), ','
                       ORDER BY c.external_id, u.external_id)
     FROM course_teachers ct JOIN courses c ON c.id = ct.course_id
     JOIN users u ON u.id = ct.user_id)
  )) AS digest
"""


class RosterImports(Repository):
    async def fingerprint(self) -> dict[str, object]:
        """How many of each a bundle manages, and a digest of all of it (ids, names, codes,
        active states, rosters, teaching): two imports with the same result, same print."""
        row = await self._fetchrow(_FINGERPRINT, SOURCE)
        assert row is not None
        return dict(row)

    async def apply(self, bundle: RosterBundle, *, actor: str) -> RosterChanges:
        """Write the bundle in one transaction, audited, announcing changed people and
        rosters on the change feed; BundleRefused (nothing written) when a teacher's
        username or a class's code cannot be had."""
        async with self._transaction() as connection:
            await connection.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            stored_codes = await connection.fetch("SELECT code, external_id FROM courses")
            codes, code_conflicts = assign_codes(
                bundle.classes, [(row["code"], row["external_id"]) for row in stored_codes]
            )
            stored_users = await connection.fetch(
                "SELECT id, username, external_id, role FROM users"
                " WHERE username = ANY($1::text[]) OR external_id = ANY($2::text[])",
                [t.username for t in bundle.teachers],
                [t.sourced_id for t in bundle.teachers],
            )
            adopt, user_conflicts = username_plan(
                bundle.teachers, [_StoredUser(**dict(row)) for row in stored_users]
            )
            if code_conflicts or user_conflicts:
                raise BundleRefused([*user_conflicts, *code_conflicts])
            await _fill(connection, bundle, codes)
            changes = await _write(connection, adopt)
            await append_audit(
                connection,
                actor=actor,
                action="oneroster.import",
                entity_type="roster",
                entity_id=None,
                details={
                    "students": len(bundle.students),
                    "teachers": len(bundle.teachers),
                    "classes": len(bundle.classes),
                    "enrollments": len(bundle.enrollments),
                    **asdict(changes),
                },
            )
        return changes


async def _fill(connection: Connection, bundle: RosterBundle, codes: dict[str, str]) -> None:
    await connection.execute(_TEMP_TABLES)
    tables: dict[str, tuple[tuple[str, ...], list[tuple[object, ...]]]] = {
        "bundle_students": (
            ("sourced_id", "display_name", "active"),
            [(s.sourced_id, s.display_name, s.active) for s in bundle.students],
        ),
        "bundle_teachers": (
            ("sourced_id", "username", "display_name", "active"),
            [(t.sourced_id, t.username, t.display_name, t.active) for t in bundle.teachers],
        ),
        "bundle_classes": (
            ("sourced_id", "code", "name"),
            [(c.sourced_id, codes[c.sourced_id], c.name) for c in bundle.classes],
        ),
        "bundle_enrollments": (("class_id", "user_id"), list(bundle.enrollments)),
        "bundle_teaching": (("class_id", "user_id"), list(bundle.teaching)),
    }
    for table, (columns, records) in tables.items():
        if records:
            await connection.copy_records_to_table(table, records=records, columns=columns)
    # planned with their real sizes, not the default guess for a table never analysed
    await connection.execute(
        "ANALYZE bundle_students, bundle_teachers, bundle_classes, bundle_enrollments,"
        " bundle_teaching"
    )


def _split(rows: Sequence[asyncpg.Record]) -> tuple[list[UUID], list[UUID]]:
    """(deactivated, otherwise changed) of an UPDATE ... RETURNING id, active, was_active."""
    deactivated = [row["id"] for row in rows if row["was_active"] and not row["active"]]
    changed = [row["id"] for row in rows if not (row["was_active"] and not row["active"])]
    return deactivated, changed


async def _write(connection: Connection, adopt: dict[str, UUID]) -> RosterChanges:
    if adopt:
        # an adopted teacher is then brought up to date (and counted) as any other
        await connection.execute(
            "UPDATE users u SET external_id = t.sourced_id"
            " FROM unnest($1::text[], $2::uuid[]) AS t(sourced_id, id) WHERE u.id = t.id",
            list(adopt),
            list(adopt.values()),
        )
    updated_students = await connection.fetch(_UPDATE_STUDENTS, SOURCE)
    created_students = affected(await connection.execute(_CREATE_STUDENTS, SOURCE))
    dropped_students = [row["id"] for row in await connection.fetch(_DEACTIVATE_STUDENTS, SOURCE)]
    await connection.execute(_MOVE_USERNAMES_ASIDE)
    updated_teachers = await connection.fetch(_UPDATE_TEACHERS, SOURCE)
    created_teachers = affected(
        await connection.execute(_CREATE_TEACHERS, SOURCE, UNUSABLE_PASSWORD_HASH)
    )
    dropped_teachers = [row["id"] for row in await connection.fetch(_DEACTIVATE_TEACHERS, SOURCE)]
    # a deactivated teacher's sessions end with it, as when an admin deactivates them
    signed_out = dropped_teachers + [row["id"] for row in updated_teachers if not row["active"]]
    if signed_out:
        await connection.execute(
            "DELETE FROM user_tokens WHERE user_id = ANY($1::uuid[])", signed_out
        )
    await connection.execute(_MOVE_CODES_ASIDE)
    created_classes = affected(await connection.execute(_CREATE_CLASSES))
    updated_classes = affected(await connection.execute(_UPDATE_CLASSES))
    added = [row["course_id"] for row in await connection.fetch(_ADD_ENROLLMENTS)]
    removed = [row["course_id"] for row in await connection.fetch(_REMOVE_ENROLLMENTS)]
    teaching_added = affected(await connection.execute(_ADD_TEACHING))
    teaching_removed = affected(await connection.execute(_REMOVE_TEACHING))

    # galleries follow a person's name and active state; boards and cameras, rosters
    people = [(row["id"], row["active"]) for row in updated_students]
    people += [(person_id, False) for person_id in dropped_students]
    if people:
        await connection.execute(
            _ANNOUNCE_PEOPLE,
            EventKind.PERSON_UPDATED.value,
            [person_id for person_id, _ in people],
            [active for _, active in people],
        )
    rosters = sorted(set(added) | set(removed))
    if rosters:
        await connection.execute(_ANNOUNCE_ROSTERS, EventKind.ROSTER_CHANGED.value, rosters)
    student_deactivations, student_updates = _split(updated_students)
    teacher_deactivations, teacher_updates = _split(updated_teachers)
    return RosterChanges(
        students_created=created_students,
        students_updated=len(student_updates),
        students_deactivated=len(student_deactivations) + len(dropped_students),
        teachers_created=created_teachers,
        teachers_updated=len(teacher_updates),
        teachers_deactivated=len(teacher_deactivations) + len(dropped_teachers),
        classes_created=created_classes,
        classes_updated=updated_classes,
        enrollments_added=len(added),
        enrollments_removed=len(removed),
        teaching_added=teaching_added,
        teaching_removed=teaching_removed,
    )
