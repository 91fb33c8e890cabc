"""Writing a OneRoster bundle: one transaction that creates, brings up to date and
deactivates what bundles brought in, and never touches what was added by hand or an admin."""

from __future__ import annotations

from dataclasses import replace

import pytest

from store.database import Database
from store.oneroster import (
    BundleClass,
    BundleRefused,
    BundleStudent,
    BundleTeacher,
    RosterBundle,
    RosterChanges,
    assign_codes,
)
from store.passwords import hash_password, usable_password_hash
from store.users import Role
from tests.store.conftest import audit_trail, audited_since, settled_events


def bundle(
    students: int = 3,
    *,
    classes: tuple[BundleClass, ...] = (BundleClass("cls-1", "MATH-1", "Mathematics"),),
    teachers: tuple[BundleTeacher, ...] = (
        BundleTeacher("tea-1", "t.turing", "Alan Turing", True),
    ),
) -> RosterBundle:
    people = [BundleStudent(f"stu-{n}", f"Student {n}", True) for n in range(students)]
    return RosterBundle(
        students=people,
        teachers=teachers,
        classes=classes,
        enrollments=[(cls.sourced_id, p.sourced_id) for cls in classes for p in people],
        teaching=[(cls.sourced_id, t.sourced_id) for cls in classes for t in teachers],
    )


async def roster_of(db: Database, external_id: str) -> set[str]:
    course_id = await db._pool.fetchval(
        "SELECT id FROM courses WHERE external_id = $1", external_id
    )
    page = await db.courses.roster(course_id, limit=1000)
    return {person.external_id for person in page.items}


async def test_a_first_import_creates_students_teachers_classes_and_rosters(db: Database) -> None:
    changes = await db.oneroster.apply(bundle(), actor="ada-admin")

    assert changes == RosterChanges(
        students_created=3,
        teachers_created=1,
        classes_created=1,
        enrollments_added=3,
        teaching_added=1,
    )
    assert await roster_of(db, "cls-1") == {"stu-0", "stu-1", "stu-2"}
    course = next(c for c in (await db.courses.list()).items if c.external_id == "cls-1")
    assert (course.code, course.name) == ("MATH-1", "Mathematics")
    teachers = await db.courses.teachers(course.id)
    assert [(t.username, t.display_name, t.role) for t in teachers] == [
        ("t.turing", "Alan Turing", Role.TEACHER)
    ]


async def test_the_same_bundle_again_changes_nothing_and_duplicates_nothing(db: Database) -> None:
    await db.oneroster.apply(bundle(), actor="ada-admin")
    counts = await _counts(db)

    again = await db.oneroster.apply(bundle(), actor="ada-admin")

    assert again == RosterChanges()
    assert await _counts(db) == counts


async def _counts(db: Database) -> dict[str, int]:
    return {
        table: await db._pool.fetchval(f"SELECT count(*) FROM {table}")
        for table in ("people", "users", "courses", "course_people", "course_teachers")
    }


async def test_people_dropped_from_the_bundle_are_deactivated_and_taken_off_rosters(
    db: Database,
) -> None:
    await db.oneroster.apply(bundle(3), actor="ada-admin")
    by_hand = await db.people.create(external_id="S-hand", display_name="Added by hand")

    changes = await db.oneroster.apply(bundle(2, teachers=()), actor="ada-admin")

    assert changes.students_deactivated == 1 and changes.enrollments_removed == 1
    assert changes.teachers_deactivated == 1 and changes.teaching_removed == 1
    dropped = await db.people.get_by_external_id("stu-2")
    assert not dropped.active
    assert (await db.people.get(by_hand.id)).active  # never from a bundle: never deactivated
    assert await roster_of(db, "cls-1") == {"stu-0", "stu-1"}
    teacher = (await db.users.list()).items[0]
    assert not teacher.active

    back = await db.oneroster.apply(bundle(3), actor="ada-admin")
    assert back.students_updated == 1 and back.teachers_updated == 1
    assert (await db.people.get_by_external_id("stu-2")).active


async def test_a_changed_name_and_a_disabled_user_are_updates(db: Database) -> None:
    await db.oneroster.apply(bundle(2), actor="ada-admin")
    changed = bundle(2)
    changed = replace(
        changed,
        students=[
            BundleStudent("stu-0", "Renamed Student", True),
            BundleStudent("stu-1", "Student 1", False),
        ],
    )

    changes = await db.oneroster.apply(changed, actor="ada-admin")

    assert (changes.students_updated, changes.students_deactivated) == (1, 1)
    assert (await db.people.get_by_external_id("stu-0")).display_name == "Renamed Student"


async def test_a_person_added_by_hand_with_the_sourced_id_is_taken_over_with_their_faces(
    db: Database,
) -> None:
    person = await db.people.create(external_id="stu-0", display_name="Old Name")

    changes = await db.oneroster.apply(bundle(1), actor="ada-admin")

    assert (changes.students_created, changes.students_updated) == (0, 1)
    assert (await db.people.get(person.id)).display_name == "Student 0"


async def test_teachers_are_created_without_a_password_that_opens_their_account(
    db: Database,
) -> None:
    await db.oneroster.apply(bundle(), actor="ada-admin")

    credentials = await db.users.credentials("t.turing")

    assert credentials.user.role is Role.TEACHER
    assert not usable_password_hash(credentials.password_hash)


async def test_a_username_of_an_admin_refuses_the_bundle_and_nothing_is_written(
    db: Database,
) -> None:
    await db.users.create(
        username="t.turing", password_hash=hash_password("x" * 12), role=Role.ADMIN
    )
    before = await _counts(db)

    with pytest.raises(BundleRefused) as refused:
        await db.oneroster.apply(bundle(), actor="ada-admin")

    assert [(c.kind, c.sourced_id) for c in refused.value.conflicts] == [("user", "tea-1")]
    assert "admin" in refused.value.conflicts[0].message
    assert await _counts(db) == before
    admin = await db.users.credentials("t.turing")
    assert admin.user.role is Role.ADMIN and usable_password_hash(admin.password_hash)


async def test_a_teacher_added_by_hand_is_taken_over_and_keeps_their_password(db: Database) -> None:
    hashed = hash_password("a long enough secret")
    await db.users.create(username="t.turing", password_hash=hashed, role=Role.TEACHER)

    changes = await db.oneroster.apply(bundle(), actor="ada-admin")

    assert (changes.teachers_created, changes.teachers_updated) == (0, 1)
    credentials = await db.users.credentials("t.turing")
    assert credentials.password_hash == hashed
    assert credentials.user.display_name == "Alan Turing"


async def test_an_admin_promoted_from_a_bundle_is_never_deactivated_by_one(db: Database) -> None:
    await db.oneroster.apply(bundle(), actor="ada-admin")
    teacher = (await db.users.list()).items[0]
    await db.users.update(teacher.id, role=Role.ADMIN)

    changes = await db.oneroster.apply(bundle(teachers=()), actor="ada-admin")

    assert changes.teachers_deactivated == 0
    user = await db.users.get(teacher.id)
    assert user.active and user.role is Role.ADMIN


async def test_two_teachers_trading_usernames_and_classes_trading_codes_are_taken_in_one_go(
    db: Database,
) -> None:
    classes = (BundleClass("cls-1", "A", "One"), BundleClass("cls-2", "B", "Two"))
    teachers = (
        BundleTeacher("tea-1", "first", "First", True),
        BundleTeacher("tea-2", "second", "Second", True),
    )
    await db.oneroster.apply(bundle(1, classes=classes, teachers=teachers), actor="ada-admin")
    traded = bundle(
        1,
        classes=(BundleClass("cls-1", "B", "One"), BundleClass("cls-2", "A", "Two")),
        teachers=(
            BundleTeacher("tea-1", "second", "First", True),
            BundleTeacher("tea-2", "first", "Second", True),
        ),
    )

    changes = await db.oneroster.apply(traded, actor="ada-admin")

    assert (changes.classes_updated, changes.teachers_updated) == (2, 2)
    codes = {c.external_id: c.code for c in (await db.courses.list()).items}
    assert codes == {"cls-1": "B", "cls-2": "A"}
    assert (await db.users.credentials("second")).user.display_name == "First"


def test_a_class_code_another_course_holds_is_told_apart_by_the_sourced_id() -> None:
    classes = [BundleClass("cls-2", "MATH", "b"), BundleClass("cls-1", "MATH", "a")]

    codes, conflicts = assign_codes(classes, [("MATH", None)])

    assert conflicts == []
    assert codes == {"cls-1": "MATH (cls-1)", "cls-2": "MATH (cls-2)"}
    assert assign_codes(classes, [])[0] == {"cls-1": "MATH", "cls-2": "MATH (cls-2)"}


async def test_an_import_is_audited_once_and_announces_changed_people_and_rosters(
    db: Database,
) -> None:
    await db.oneroster.apply(bundle(2), actor="ada-admin")
    before = await audit_trail(db)
    events_before = len(await settled_events(db, 1))

    await db.oneroster.apply(bundle(1), actor="ada-admin")

    [(actor, action, details)] = await audited_since(db, before)
    assert (actor, action) == ("ada-admin", "oneroster.import")
    assert details["students_deactivated"] == 1 and details["enrollments_removed"] == 1
    events = (await settled_events(db, events_before + 2))[events_before:]
    assert sorted(e.kind for e in events) == ["person.updated", "roster.changed"]
    person = next(e for e in events if e.kind == "person.updated")
    assert person.payload["active"] is False
