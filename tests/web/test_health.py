"""Health probes: open without a token, ready only when the database and models are."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.postgres_fixtures import PostgresForTests
from web.app import build_app
from web.http.services import Services
from web.settings import Settings


async def test_liveness_answers_without_a_token(api: TestClient) -> None:
    response = await api.get("/health/live")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_readiness_is_200_when_database_schema_and_models_are_there(
    api: TestClient,
) -> None:
    response = await api.get("/health/ready")
    body = await response.json()
    assert response.status == 200, body
    assert body["status"] == "ready"
    assert body["checks"] == {"database": True, "migrations_current": True, "models_loaded": True}


async def test_readiness_is_503_naming_the_database_once_it_is_gone(
    api: TestClient, postgres: PostgresForTests, database_url: str
) -> None:
    await postgres.drop_database(database_url)
    response = await api.get("/health/ready")
    body = await response.json()
    assert response.status == 503
    assert body["status"] == "not_ready"
    assert body["checks"]["database"] is False
    assert body["checks"]["migrations_current"] is False
    assert body["checks"]["models_loaded"] is True
    assert (await api.get("/health/live")).status == 200


async def test_details_name_schema_and_models_but_no_secret(
    api: TestClient, settings: Settings
) -> None:
    response = await api.get("/health")
    assert response.status == 200
    text = await response.text()
    body = await response.json()
    assert body["database"]["schema_version"] == body["database"]["latest_schema_version"]
    assert body["models"]["embedding_dim"] == 512
    assert body["live"] is None
    assert settings.store.database_url is not None
    assert settings.store.database_url not in text
    assert "postgresql://" not in text


async def test_details_say_whether_the_analysis_keeps_up_with_the_cameras(
    aiohttp_client: Any, live_services: Services
) -> None:
    api = await aiohttp_client(build_app(live_services))
    body = await (await api.get("/health")).json()
    analysis = body["live"]["analysis"]
    assert analysis["over_capacity"] is False  # no camera asks for anything
    assert set(analysis) == {"demand_fps", "analysed_fps", "busy", "capacity_fps", "over_capacity"}
    metrics = await (await api.get("/metrics")).text()
    assert "rollcall_analysis_over_capacity 0.0" in metrics
