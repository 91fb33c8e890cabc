"""Every setting the deployment files set is a real setting of the service, with a value it
accepts: a misspelt name would be silently ignored by the process (Settings ignores unknown
variables), so the test walks the names through the Settings model, then builds Settings from
the same environment."""

from __future__ import annotations

import os

import pytest

from tests.k8s.deployment_files import (
    COMPOSE_DIR,
    DOCKERFILE,
    K8S,
    container_of,
    load_yaml,
    one,
    render,
)
from tests.k8s.dockerfile import read_stages
from tests.k8s.settings_names import interpolate, is_setting_name, unknown_setting
from web.settings import Settings


def _env_file(path: str) -> dict[str, str]:
    pairs = {}
    for line in (COMPOSE_DIR / path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def _compose_environment(file: str) -> dict[str, str]:
    variables = _env_file(".env.example")
    service = load_yaml(COMPOSE_DIR / file)["services"]["rollcall"]
    return {
        name: interpolate(str(value), variables)
        for name, value in service.get("environment", {}).items()
    }


def _kubernetes_environment(kustomization: str) -> dict[str, str]:
    manifests = render(kustomization)
    container = container_of(one(manifests, "Deployment"))
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            environment |= one(manifests, "ConfigMap", source["configMapRef"]["name"])["data"]
        else:
            secret = one(manifests, "Secret", source["secretRef"]["name"])
            environment |= secret.get("stringData", {})
    environment |= {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
    return environment


def _image_environment(target: str) -> dict[str, str]:
    (runtime,) = [s for s in read_stages(DOCKERFILE) if s.name == target]
    return runtime.environment()


SOURCES = {
    "compose": lambda: _compose_environment("docker-compose.yml"),
    "compose gpu": lambda: (
        _compose_environment("docker-compose.yml") | _compose_environment("docker-compose.gpu.yml")
    ),
    "kubernetes cpu": lambda: _kubernetes_environment("overlays/cpu"),
    "kubernetes gpu": lambda: _kubernetes_environment("overlays/gpu"),
    "image cpu": lambda: _image_environment("cpu"),
    "image cuda": lambda: _image_environment("cuda"),
}


def test_the_name_walk_refuses_what_settings_would_ignore() -> None:
    assert unknown_setting("ROLLCALL_SERVICE__PORT") is None
    assert unknown_setting("DATABASE_URL") is None
    assert unknown_setting("ROLLCALL_SERVICE__PROT") == "service__prot"
    assert unknown_setting("ROLLCALL_SERVICES__PORT") == "services"
    assert unknown_setting("ROLLCALL_SERVICE__PORT__X") == "service__port__x"


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_setting_name_is_a_field_of_settings(source: str) -> None:
    names = [name for name in SOURCES[source]() if is_setting_name(name)]
    assert names, f"{source} sets no setting at all"
    assert {name: unknown_setting(name) for name in names if unknown_setting(name)} == {}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_the_settings_validate_with_the_values_given(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if is_setting_name(name):
            monkeypatch.delenv(name)
    environment = {k: v for k, v in SOURCES[source]().items() if is_setting_name(k)}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert settings.service.host == "0.0.0.0"
    if "DATABASE_URL" in environment:
        assert settings.store.database_url == environment["DATABASE_URL"]


def test_the_kubernetes_secret_carries_the_database_url() -> None:
    secret = load_yaml(K8S / "base" / "secret.yaml")
    assert secret["stringData"]["DATABASE_URL"].startswith("postgresql://")
