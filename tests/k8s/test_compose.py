"""The one-server setup: compose runs the service on PostgreSQL (a volume, a healthcheck, a
password from .env), and Prometheus and Grafana only when the `monitoring` profile is asked
for, Grafana showing the same dashboard the cluster gets."""

from __future__ import annotations

import copy
import re
from pathlib import PurePosixPath
from typing import Any

import pytest
from compose_pydantic.models import ComposeSpecification
from pydantic import ValidationError

from tests.k8s.deployment_files import COMPOSE_DIR, load_yaml

_VARIABLE = re.compile(r"\$\{(\w+)(:?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE_DIR / "docker-compose.yml")


@pytest.mark.parametrize("file", ["docker-compose.yml", "docker-compose.gpu.yml"])
def test_each_compose_file_follows_the_compose_specification(file: str) -> None:
    ComposeSpecification.model_validate(load_yaml(COMPOSE_DIR / file))


def test_the_compose_specification_refuses_a_misspelt_key(compose: dict[str, Any]) -> None:
    misspelt = copy.deepcopy(compose)
    misspelt["services"]["postgres"]["healthchek"] = misspelt["services"]["postgres"]["healthcheck"]
    with pytest.raises(ValidationError):
        ComposeSpecification.model_validate(misspelt)


def test_the_service_and_postgres_run_by_default_and_monitoring_on_request(
    compose: dict[str, Any],
) -> None:
    profiles = {name: s.get("profiles", []) for name, s in compose["services"].items()}
    assert profiles == {
        "postgres": [],
        "rollcall": [],
        "prometheus": ["monitoring"],
        "grafana": ["monitoring"],
    }


def test_postgres_keeps_its_data_in_a_named_volume_and_says_when_it_is_ready(
    compose: dict[str, Any],
) -> None:
    postgres = compose["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")
    assert volume[0] in compose["volumes"]
    assert volume[1] == "/var/lib/postgresql"


def test_the_service_starts_once_postgres_is_healthy_and_is_built_from_the_dockerfile(
    compose: dict[str, Any],
) -> None:
    service = compose["services"]["rollcall"]
    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert (COMPOSE_DIR / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    assert service["read_only"] is True
    assert any(v.split(":")[0] in compose["volumes"] for v in service["volumes"])
    # the image's HEALTHCHECK applies: compose must not switch it off
    assert not service.get("healthcheck", {}).get("disable", False)


def test_passwords_come_only_from_the_env_file(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for name, value in service.get("environment", {}).items():
            if "PASSWORD" in name:
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)), name
    database_url = compose["services"]["rollcall"]["environment"]["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:?" in database_url


def test_the_example_env_file_defines_every_variable_compose_requires() -> None:
    text = (COMPOSE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    required = {m[1] for m in _VARIABLE.finditer(text) if m[2] and "?" in m[2]}
    defined = {
        line.split("=", 1)[0]
        for line in (COMPOSE_DIR / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert required
    assert required <= defined


def test_the_other_services_have_healthchecks_of_their_own(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name != "rollcall":  # the rollcall image carries its HEALTHCHECK
            assert service["healthcheck"]["test"], name


def test_prometheus_scrapes_the_service_and_grafana_loads_the_shared_dashboard(
    compose: dict[str, Any],
) -> None:
    scrape = load_yaml(COMPOSE_DIR / "prometheus.yml")["scrape_configs"][0]
    assert scrape["metrics_path"] == "/metrics"
    assert scrape["static_configs"][0]["targets"] == ["rollcall:8080"]
    grafana = compose["services"]["grafana"]
    mounts = dict(v.rsplit(":", 2)[:2] for v in grafana["volumes"] if v.startswith("."))
    provider = load_yaml(COMPOSE_DIR / "grafana/provisioning/dashboards/rollcall.yml")
    dashboards_in_container = provider["providers"][0]["options"]["path"]
    host_folder = next(h for h, c in mounts.items() if c == dashboards_in_container)
    assert (COMPOSE_DIR / host_folder / "rollcall-dashboard.json").is_file()
    source = load_yaml(COMPOSE_DIR / "grafana/provisioning/datasources/prometheus.yml")
    assert source["datasources"][0]["url"] == "http://prometheus:9090"


def test_prometheus_loads_the_alert_rules_file(compose: dict[str, Any]) -> None:
    (pattern,) = load_yaml(COMPOSE_DIR / "prometheus.yml")["rule_files"]
    prometheus = compose["services"]["prometheus"]
    mounts = dict(v.rsplit(":", 2)[:2] for v in prometheus["volumes"] if v.startswith("."))
    loaded = [host for host, inside in mounts.items() if PurePosixPath(inside).match(pattern)]
    assert loaded == ["./prometheus-rules.yml"]
    assert (COMPOSE_DIR / loaded[0]).is_file()


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    used = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used == set(compose["volumes"])
