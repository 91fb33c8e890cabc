"""Users: argon2 password hashes, roles, bearer tokens that expire and can be revoked; every
change audited in its own transaction, and never the last active admin taken away."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from store.database import Database
from store.errors import Conflict, InvalidValue, NotFound
from store.passwords import hash_password, needs_rehash, verify_password
from store.users import LastAdmin, Role
from tests.store.conftest import audit_trail, audited_since


def test_a_password_verifies_against_its_argon2_hash_and_nothing_else() -> None:
    stored = hash_password("correct horse")

    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse")
    assert not verify_password(stored, "wrong horse")
    assert not verify_password("not a hash", "correct horse")
    assert not needs_rehash(stored)


async def test_a_user_logs_in_with_the_stored_hash(db: Database) -> None:
    user = await db.users.create(username="ada", password_hash=hash_password("pw"), role=Role.ADMIN)

    credentials = await db.users.credentials("ada")

    assert credentials.user == user and user.role is Role.ADMIN
    assert verify_password(credentials.password_hash, "pw")
    assert credentials.password_hash not in repr(credentials)
    assert await db.users.count_admins() == 1


async def test_usernames_are_unique_and_roles_are_checked(db: Database) -> None:
    await db.users.create(username="ada", password_hash="h", role=Role.TEACHER)
    with pytest.raises(Conflict):
        await db.users.create(username="ada", password_hash="h", role=Role.TEACHER)
    with pytest.raises(InvalidValue):
        await db.users.create(username="", password_hash="h", role=Role.TEACHER)


async def test_disabled_and_unknown_users_cannot_log_in(db: Database) -> None:
    user = await db.users.create(username="bob", password_hash="h", role=Role.TEACHER)
    await db.users.set_active(user.id, False)

    with pytest.raises(NotFound):
        await db.users.credentials("bob")
    with pytest.raises(NotFound):
        await db.users.credentials("nobody")


async def test_a_token_names_its_user_until_it_expires_or_is_revoked(db: Database) -> None:
    user = await db.users.create(username="t", password_hash="h", role=Role.TEACHER)
    token = await db.users.issue_token(user.id, timedelta(hours=1))
    expired = await db.users.issue_token(user.id, timedelta(seconds=-1))
    other = await db.users.issue_token(user.id, timedelta(hours=1))

    assert await db.users.user_for_token(token) == user
    assert await db.users.user_for_token(expired) is None
    assert await db.users.prune_expired_tokens() == 1
    await db.users.revoke_token(token)
    assert await db.users.user_for_token(token) is None
    await db.users.set_password_hash(user.id, "new")
    assert await db.users.user_for_token(other) is None


async def test_users_are_listed_in_pages(db: Database) -> None:
    for name in ("c", "a", "b"):
        await db.users.create(username=name, password_hash="h", role=Role.TEACHER)

    page = await db.users.list(limit=2)

    assert [u.username for u in page.items] == ["a", "b"] and page.has_more
    with pytest.raises(NotFound):
        await db.users.get(uuid4())


async def test_each_change_of_a_user_leaves_one_audit_entry_naming_its_actor(db: Database) -> None:
    before = await audit_trail(db)

    user = await db.users.create(
        username="bo", password_hash="h", role=Role.TEACHER, actor="ada-admin"
    )
    await db.users.update(user.id, display_name="Bo B.", actor="ada-admin")
    await db.users.update(user.id, active=False, actor="ada-admin")
    await db.users.set_password_hash(user.id, "h2", actor="ada-admin")

    assert await audited_since(db, before) == [
        ("ada-admin", "user.password_reset", {}),
        ("ada-admin", "user.deactivate", {"active": False}),
        ("ada-admin", "user.change", {"display_name": "Bo B."}),
        ("ada-admin", "user.create", {"role": "teacher"}),
    ]


async def test_a_refused_change_of_a_user_changes_nothing_and_leaves_no_audit_entry(
    db: Database,
) -> None:
    admin = await db.users.create(username="ada", password_hash="h", role=Role.ADMIN)
    before = await audit_trail(db)

    with pytest.raises(Conflict):
        await db.users.create(username="ada", password_hash="h", role=Role.TEACHER, actor="x")
    with pytest.raises(LastAdmin):
        await db.users.update(admin.id, active=False, actor="x")
    with pytest.raises(LastAdmin):
        await db.users.update(admin.id, role=Role.TEACHER, display_name="A.", actor="x")
    with pytest.raises(NotFound):
        await db.users.update(uuid4(), display_name="nobody", actor="x")
    with pytest.raises(NotFound):
        await db.users.set_password_hash(uuid4(), "h", actor="x")

    assert await audit_trail(db) == before
    assert await db.users.get(admin.id) == admin


async def test_two_admins_deactivating_each_other_at_once_leave_one_and_one_entry(
    db: Database,
) -> None:
    ann = await db.users.create(username="ann", password_hash="h", role=Role.ADMIN)
    bob = await db.users.create(username="bob", password_hash="h", role=Role.ADMIN)
    for _ in range(5):
        await db.users.set_active(ann.id, True)
        await db.users.set_active(bob.id, True)
        before = await audit_trail(db)

        results = await asyncio.gather(
            db.users.update(ann.id, active=False, actor="bob"),
            db.users.update(bob.id, active=False, actor="ann"),
            return_exceptions=True,
        )

        assert sorted(type(result).__name__ for result in results) == ["LastAdmin", "User"]
        assert await db.users.count_admins() == 1
        assert [action for _, action, _ in await audited_since(db, before)] == ["user.deactivate"]
