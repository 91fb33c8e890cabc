"""Where the deployment files live, and how to read and render them as the tools would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

K8S = PROJECT_ROOT / "k8s"
DOCKERFILE = K8S / "container" / "Dockerfile"
COMPOSE_DIR = K8S / "compose"
WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
KUSTOMIZATIONS = (
    "base",
    "overlays/cpu",
    "overlays/gpu",
    "overlays/capacity-scaling",
    "postgres",
)

Manifest = dict[str, Any]


def tool(name: str) -> str | None:
    """A command from this virtual environment (pip-installed tools) or from PATH."""
    beside_python = Path(sys.executable).parent / name
    return str(beside_python) if beside_python.is_file() else shutil.which(name)


def kustomize_command(directory: Path) -> list[str]:
    """`kustomize build DIR`, else `kubectl kustomize DIR` (Debian's kubernetes-client, which
    .ci/test installs, embeds kustomize v2.0.3; newer kubectl embeds v5)."""
    if kustomize := shutil.which("kustomize"):
        return [kustomize, "build", str(directory)]
    if kubectl := shutil.which("kubectl"):
        return [kubectl, "kustomize", str(directory)]
    pytest.fail("neither kustomize nor kubectl is on PATH: install Debian's kubernetes-client")


def render(kustomization: str) -> list[Manifest]:
    """The manifests a kustomization renders to, in output order."""
    result = subprocess.run(
        kustomize_command(K8S / kustomization),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{kustomization} does not render:\n{result.stderr}"
    return [document for document in yaml.safe_load_all(result.stdout) if document]


def one(manifests: list[Manifest], kind: str, name: str | None = None) -> Manifest:
    matching = [
        m
        for m in manifests
        if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)
    ]
    assert len(matching) == 1, f"expected one {kind} {name or ''}, found {len(matching)}"
    return matching[0]


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def yaml_files() -> Iterator[Path]:
    """Every YAML file of the deployment and CI folders."""
    for root in (K8S, PROJECT_ROOT / ".github"):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                yield path


def container_of(deployment: Manifest) -> Manifest:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container
