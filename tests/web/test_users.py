"""Users: admins add, deactivate and reset them; the last admin cannot be deactivated."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp.test_utils import TestClient

from store.database import Database
from store.users import Role
from tests.web.conftest import SignedIn, sign_in_as
from web.api.sign_in import Login
from web.api.users import NewUser, PasswordReset

NEW_TEACHER = {
    "username": "grace",
    "password": "ten-chars-or-more",
    "role": "teacher",
    "display_name": "Grace Hopper",
}


async def test_an_admin_adds_a_teacher_who_can_then_sign_in(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    created = await api.post("/api/users", json=NEW_TEACHER, headers=admin.headers)
    assert created.status == 201
    user = await created.json()
    assert user["role"] == "teacher" and user["display_name"] == "Grace Hopper"
    assert "password" not in user and "password_hash" not in user
    login = await api.post(
        "/api/auth/login", json={"username": "grace", "password": "ten-chars-or-more"}
    )
    assert login.status == 200
    audit = await db.audit.list(entity_type="user", entity_id=user["id"])
    assert [(e.actor, e.action) for e in audit.items] == [("ada-admin", "user.create")]
    listed = await api.get("/api/users", headers=admin.headers)
    assert [u["username"] for u in (await listed.json())["items"]] == ["ada-admin", "grace"]


async def test_a_short_password_or_unknown_role_is_refused_and_nobody_is_added(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    short = await api.post(
        "/api/users", json={**NEW_TEACHER, "password": "too-short"}, headers=admin.headers
    )
    assert short.status == 422
    assert [d["field"] for d in (await short.json())["error"]["details"]] == ["password"]
    assert "too-short" not in await short.text()
    bad_role = await api.post(
        "/api/users", json={**NEW_TEACHER, "role": "owner"}, headers=admin.headers
    )
    assert bad_role.status == 422
    assert [u.username for u in (await db.users.list()).items] == ["ada-admin"]


async def test_a_taken_username_is_a_conflict(api: TestClient, admin: SignedIn) -> None:
    first = await api.post("/api/users", json=NEW_TEACHER, headers=admin.headers)
    again = await api.post("/api/users", json=NEW_TEACHER, headers=admin.headers)
    assert (first.status, again.status) == (201, 409)


async def test_a_teacher_cannot_manage_users_and_nobody_can_without_a_token(
    api: TestClient, teacher: SignedIn
) -> None:
    for method, path, body in (
        ("GET", "/api/users", None),
        ("POST", "/api/users", NEW_TEACHER),
        ("POST", f"/api/users/{teacher.user.id}/deactivate", None),
        ("PUT", f"/api/users/{teacher.user.id}/password", {"password": "ten-chars-or-more"}),
    ):
        as_teacher = await api.request(method, path, json=body, headers=teacher.headers)
        anonymous = await api.request(method, path, json=body)
        assert (as_teacher.status, anonymous.status) == (403, 401), (method, path)


async def test_the_last_active_admin_cannot_be_deactivated(
    api: TestClient, admin: SignedIn, db: Database
) -> None:
    refused = await api.post(f"/api/users/{admin.user.id}/deactivate", headers=admin.headers)
    assert refused.status == 409
    assert (await refused.json())["error"]["code"] == "last_admin"
    second = await sign_in_as(db, "bea-admin", Role.ADMIN)
    done = await api.post(f"/api/users/{admin.user.id}/deactivate", headers=second.headers)
    assert done.status == 200
    assert (await done.json())["active"] is False
    assert (await api.get("/api/auth/me", headers=admin.headers)).status == 401
    last = await api.post(f"/api/users/{second.user.id}/deactivate", headers=second.headers)
    assert last.status == 409


async def test_a_user_s_role_and_state_change_and_a_deactivated_user_comes_back(
    api: TestClient, admin: SignedIn, teacher: SignedIn
) -> None:
    path = f"/api/users/{teacher.user.id}"
    promoted = await api.patch(path, json={"role": "admin"}, headers=admin.headers)
    assert promoted.status == 200
    assert (await promoted.json())["role"] == "admin"
    # the promotion holds at once: the teacher's own token now opens admin routes
    assert (await api.get("/api/users", headers=teacher.headers)).status == 200

    away = await api.patch(path, json={"active": False}, headers=admin.headers)
    assert (await away.json())["active"] is False
    assert (await api.get("/api/auth/me", headers=teacher.headers)).status == 401
    back = await api.patch(
        path, json={"active": True, "display_name": "Tess T."}, headers=admin.headers
    )
    body = await back.json()
    assert (body["active"], body["role"], body["display_name"]) == (True, "admin", "Tess T.")


async def test_the_last_active_admin_cannot_be_made_a_teacher(
    api: TestClient, admin: SignedIn
) -> None:
    refused = await api.patch(
        f"/api/users/{admin.user.id}", json={"role": "teacher"}, headers=admin.headers
    )
    assert refused.status == 409
    assert (await refused.json())["error"]["code"] == "last_admin"
    assert (await api.get("/api/users", headers=admin.headers)).status == 200


async def test_a_change_with_an_unknown_role_or_field_is_refused_and_changes_nothing(
    api: TestClient, admin: SignedIn, teacher: SignedIn
) -> None:
    path = f"/api/users/{teacher.user.id}"
    for body in ({"role": "principal"}, {"active": "maybe"}, {"password": "x" * 12}):
        refused = await api.patch(path, json=body, headers=admin.headers)
        assert refused.status == 422, body
    user = await (await api.get(path, headers=admin.headers)).json()
    assert (user["role"], user["active"]) == ("teacher", True)


async def test_a_password_reset_ends_the_user_s_sessions_and_sets_the_new_password(
    api: TestClient, admin: SignedIn, teacher: SignedIn
) -> None:
    reset = await api.put(
        f"/api/users/{teacher.user.id}/password",
        json={"password": "a-brand-new-secret"},
        headers=admin.headers,
    )
    assert reset.status == 204
    assert (await api.get("/api/auth/me", headers=teacher.headers)).status == 401
    login = await api.post(
        "/api/auth/login", json={"username": "tom-teacher", "password": "a-brand-new-secret"}
    )
    assert login.status == 200


async def test_an_unknown_user_id_is_a_404(api: TestClient, admin: SignedIn) -> None:
    for path in ("/api/users/00000000-0000-4000-8000-000000000000", "/api/users/not-an-id"):
        assert (await api.get(path, headers=admin.headers)).status == 404
    reset = await api.put(
        "/api/users/00000000-0000-4000-8000-000000000000/password",
        json={"password": "a-brand-new-secret"},
        headers=admin.headers,
    )
    assert reset.status == 404


def test_a_password_in_a_request_body_never_shows_in_its_repr() -> None:
    secret = "ten-chars-or-more-secret"
    bodies = (
        NewUser(username="grace", password=secret, role=Role.TEACHER),
        PasswordReset(password=secret),
        Login(username="grace", password=secret),
    )
    for body in bodies:
        assert secret not in repr(body) and secret not in str(body)
        assert body.password == secret


async def test_two_admins_deactivating_each_other_at_once_leave_one_active(
    api: TestClient, db: Database
) -> None:
    first = await sign_in_as(db, "ann-admin", Role.ADMIN)
    second = await sign_in_as(db, "bob-admin", Role.ADMIN)
    for _ in range(5):
        await db.users.set_active(first.user.id, True)
        await db.users.set_active(second.user.id, True)
        headers = [
            {"Authorization": f"Bearer {await db.users.issue_token(u.id, timedelta(hours=1))}"}
            for u in (first.user, second.user)
        ]
        answers = await asyncio.gather(
            api.post(f"/api/users/{second.user.id}/deactivate", headers=headers[0]),
            api.post(f"/api/users/{first.user.id}/deactivate", headers=headers[1]),
        )
        # 401: the other request had already deactivated this one's admin (tokens end with it)
        assert sorted(a.status for a in answers) in ([200, 401], [200, 409], [409, 409])
        assert await db.users.count_admins() >= 1
