"""What every endpoint shares: request ids, one error shape, authentication, rate limits."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from tests.web.conftest import SignedIn
from web.http.rate_limit import Limit, RateLimiter


async def test_an_unknown_route_is_a_json_404_carrying_the_request_id(api: TestClient) -> None:
    response = await api.get("/api/no-such-thing", headers={"X-Request-ID": "probe-1"})
    assert response.status == 404
    assert response.headers["X-Request-ID"] == "probe-1"
    body = await response.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["request_id"] == "probe-1"
    assert body["error"]["message"]


async def test_a_request_id_is_made_when_none_or_a_forged_one_is_sent(api: TestClient) -> None:
    plain = await api.get("/api/no-such-thing")
    forged = await api.get(
        "/api/no-such-thing", headers={"X-Request-ID": '{"level": "forged"} ' + "x" * 200}
    )
    for response in (plain, forged):
        made = response.headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", made)
        assert (await response.json())["error"]["request_id"] == made


async def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(
    api: TestClient, admin: SignedIn
) -> None:
    response = await api.delete("/api/openapi.json", headers=admin.headers)
    assert response.status == 405
    assert "GET" in response.headers["Allow"]
    assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_without_a_token_the_api_answers_401_with_a_bearer_challenge(
    api: TestClient,
) -> None:
    response = await api.get("/api/openapi.json")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_a_made_up_or_oversized_token_is_refused(api: TestClient) -> None:
    for token in ("not-a-token", "x" * 5000):
        response = await api.get("/api/openapi.json", headers={"Authorization": f"Bearer {token}"})
        assert response.status == 401


async def test_a_signed_in_teacher_reads_the_api_description(
    api: TestClient, teacher: SignedIn
) -> None:
    response = await api.get("/api/openapi.json", headers=teacher.headers)
    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/openapi.json" in document["paths"]
    assert "Error" in document["components"]["schemas"]


async def test_the_session_cookie_signs_in_but_not_for_another_site_s_writes(
    api: TestClient, teacher: SignedIn
) -> None:
    cookie = {"Cookie": f"rollcall_session={teacher.token}"}
    read = await api.get("/api/openapi.json", headers=cookie)
    assert read.status == 200
    cross_site = await api.post(
        "/api/auth/logout", headers={**cookie, "Origin": "https://evil.example"}
    )
    assert cross_site.status == 403


def test_a_rate_limit_allows_a_burst_then_asks_to_wait_until_a_token_refills() -> None:
    limiter = RateLimiter(Limit(per_minute=60, burst=2))
    assert limiter.take("a", now=0.0) == 0.0
    assert limiter.take("a", now=0.0) == 0.0
    wait = limiter.take("a", now=0.0)
    assert 0.9 < wait <= 1.0  # one token a second
    assert limiter.take("b", now=0.0) == 0.0  # clients are counted apart
    assert limiter.take("a", now=1.01) == 0.0


def test_a_rate_limit_remembers_a_bounded_number_of_clients() -> None:
    limiter = RateLimiter(Limit(per_minute=1, burst=1), max_clients=3)
    for client in ("a", "b", "c", "d"):
        limiter.take(client, now=0.0)
    # "a" was forgotten (oldest), so it starts again with a full bucket.
    assert limiter.take("a", now=0.0) == 0.0
    assert limiter.take("d", now=0.0) > 0


async def test_json_nested_deeper_than_any_body_is_a_400_not_a_crash(
    api: TestClient, admin: SignedIn
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    response = await api.post(
        "/api/courses",
        data=deep,
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "bad_json"


async def test_a_body_that_is_not_json_is_a_400_and_a_wrong_media_type_a_415(
    api: TestClient, admin: SignedIn
) -> None:
    broken = await api.post(
        "/api/courses",
        data="{'code': 1",
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    form = await api.post("/api/courses", data={"code": "X"}, headers=admin.headers)
    assert broken.status == 400
    assert (await broken.json())["error"]["code"] == "bad_json"
    assert form.status == 415
