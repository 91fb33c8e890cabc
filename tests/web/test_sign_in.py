"""Signing in and out: tokens and the page cookie, one answer for every failure, rate limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from store.config import StoreConfig
from store.database import Database
from tests.web.conftest import SignedIn
from web.http.auth import SESSION_COOKIE
from web.http.config import ServiceConfig
from web.settings import Settings


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Behind a trusted proxy, so a test can sign in from several client addresses."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        store=StoreConfig(
            database_url=database_url,
            retry_initial_s=0.05,
            retry_max_s=0.5,
            data_dir=tmp_path,  # the decision journal's folder: one per test
        ),
        service=ServiceConfig(trusted_proxy=True, login_burst=3, login_per_minute=1),
    )


def from_address(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def test_signing_in_gives_a_working_token_and_an_http_only_strict_cookie(
    api: TestClient, teacher: SignedIn
) -> None:
    response = await api.post(
        "/api/auth/login", json={"username": "tom-teacher", "password": teacher.password}
    )
    assert response.status == 200
    body = await response.json()
    assert body["user"]["username"] == "tom-teacher"
    assert body["user"]["role"] == "teacher"
    assert "password_hash" not in body["user"]
    assert body["expires_at"]
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie.value == body["token"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert not cookie["secure"]  # plain http here; https requests get a Secure cookie
    me = await api.get("/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert (await me.json())["username"] == "tom-teacher"


async def test_behind_a_trusted_tls_proxy_the_cookie_is_secure(
    api: TestClient, teacher: SignedIn
) -> None:
    response = await api.post(
        "/api/auth/login",
        json={"username": "tom-teacher", "password": teacher.password},
        headers={"X-Forwarded-Proto": "https", **from_address("10.9.8.7")},
    )
    assert response.status == 200
    assert response.cookies[SESSION_COOKIE]["secure"]


async def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(
    api: TestClient, teacher: SignedIn
) -> None:
    wrong = await api.post(
        "/api/auth/login",
        json={"username": "tom-teacher", "password": "not-the-password"},
        headers=from_address("10.0.0.1"),
    )
    unknown = await api.post(
        "/api/auth/login",
        json={"username": "nobody-here", "password": "not-the-password"},
        headers=from_address("10.0.0.2"),
    )
    assert wrong.status == unknown.status == 401
    wrong_error, unknown_error = (await wrong.json())["error"], (await unknown.json())["error"]
    assert wrong_error["code"] == unknown_error["code"] == "sign_in_failed"
    assert wrong_error["message"] == unknown_error["message"]
    assert "set-cookie" not in {name.lower() for name in wrong.headers}


async def test_a_password_is_taken_exactly_as_typed(api: TestClient, teacher: SignedIn) -> None:
    padded = await api.post(
        "/api/auth/login", json={"username": "tom-teacher", "password": f" {teacher.password} "}
    )
    assert padded.status == 401


async def test_a_deactivated_user_cannot_sign_in(
    api: TestClient, db: Database, teacher: SignedIn
) -> None:
    await db.users.set_active(teacher.user.id, False)
    response = await api.post(
        "/api/auth/login", json={"username": "tom-teacher", "password": teacher.password}
    )
    assert response.status == 401


async def test_signing_out_ends_the_token_and_clears_the_cookie(
    api: TestClient, teacher: SignedIn
) -> None:
    response = await api.post("/api/auth/logout", headers=teacher.headers)
    assert response.status == 204
    assert response.cookies[SESSION_COOKIE].value == ""
    after = await api.get("/api/auth/me", headers=teacher.headers)
    assert after.status == 401


async def test_who_am_i_and_signing_out_need_a_token(api: TestClient) -> None:
    assert (await api.get("/api/auth/me")).status == 401
    assert (await api.post("/api/auth/logout")).status == 401


async def test_a_malformed_or_incomplete_sign_in_is_a_4xx_that_says_why(api: TestClient) -> None:
    broken = await api.post(
        "/api/auth/login", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status == 400
    assert (await broken.json())["error"]["code"] == "bad_json"
    missing = await api.post(
        "/api/auth/login", json={"username": "x"}, headers=from_address("10.0.0.9")
    )
    assert missing.status == 422
    assert [d["field"] for d in (await missing.json())["error"]["details"]] == ["password"]


async def test_sign_in_attempts_are_limited_per_username_across_addresses(
    api: TestClient, teacher: SignedIn
) -> None:
    statuses = []
    for attempt in range(4):  # the burst is 3
        response = await api.post(
            "/api/auth/login",
            json={"username": "tom-teacher", "password": "guess-number-x"},
            headers=from_address(f"10.1.0.{attempt}"),
        )
        statuses.append(response.status)
    assert statuses == [401, 401, 401, 429]
    assert int(response.headers["Retry-After"]) >= 1
    assert (await response.json())["error"]["code"] == "rate_limited"
    # even the right password waits: the limit is not a hint about which guess was right
    right = await api.post(
        "/api/auth/login",
        json={"username": "tom-teacher", "password": teacher.password},
        headers=from_address("10.1.0.99"),
    )
    assert right.status == 429


async def test_sign_in_attempts_are_limited_per_address_across_usernames(api: TestClient) -> None:
    statuses = [
        (
            await api.post(
                "/api/auth/login",
                json={"username": f"user-{n}", "password": "guess-number-x"},
                headers=from_address("10.2.0.1"),
            )
        ).status
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    elsewhere = await api.post(
        "/api/auth/login",
        json={"username": "user-9", "password": "guess-number-x"},
        headers=from_address("10.2.0.2"),
    )
    assert elsewhere.status == 401
