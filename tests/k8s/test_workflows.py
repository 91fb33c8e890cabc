"""The GitHub workflows parse, run what the repository documents, and point at files that
exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT_ROOT
from tests.k8s.deployment_files import DOCKERFILE, WORKFLOWS, load_yaml
from tests.k8s.dockerfile import read_stages

WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))


def workflow(name: str) -> dict[str, Any]:
    return load_yaml(WORKFLOWS / f"{name}.yml")


def run_steps(flow: dict[str, Any]) -> list[str]:
    return [step["run"] for job in flow["jobs"].values() for step in job["steps"] if "run" in step]


def ci_command() -> str:
    """What .ci/run executes, as a command run from the repository root."""
    text = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    match = re.search(r'^exec bash "\$\(dirname "\$0"\)/(\w+)"', text, re.MULTILINE)
    assert match, ".ci/run no longer runs a script beside it"
    return f"bash .ci/{match[1]}"


def test_the_four_workflows_are_there() -> None:
    assert {p.stem for p in WORKFLOW_FILES} == {"test", "lint", "security", "image"}


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_each_workflow_parses_with_triggers_jobs_and_read_only_permissions(path: Path) -> None:
    flow = load_yaml(path)
    # YAML 1.1 reads the bare key `on` as True; GitHub reads it as the string.
    assert flow.get("on") or flow.get(True)
    assert flow["permissions"] == {"contents": "read"}
    for job in flow["jobs"].values():
        assert job["runs-on"].startswith("ubuntu")
        assert job["timeout-minutes"] > 0
        assert job["steps"]


def test_the_test_workflow_runs_exactly_what_ci_runs() -> None:
    assert run_steps(workflow("test")) == [ci_command()]


def test_lint_runs_ruff_check_and_format_check() -> None:
    commands = " ".join(run_steps(workflow("lint")))
    assert "ruff check" in commands
    assert "ruff format --check ." in commands


def test_security_audits_dependencies_and_scans_every_package_with_the_bandit_config() -> None:
    commands = " ".join(run_steps(workflow("security")))
    assert "pip-audit" in commands
    bandit = next(c for c in run_steps(workflow("security")) if c.startswith("bandit"))
    config = re.search(r"-c (\S+)", bandit)
    assert config and (PROJECT_ROOT / config[1]).is_file()
    assert bandit.split()[-4:] == ["streamer", "recognizer", "store", "web"]
    skips = load_yaml(PROJECT_ROOT / config[1])["skips"]
    text = (PROJECT_ROOT / config[1]).read_text(encoding="utf-8")
    for skip in skips:
        # each skip has its reason on the comment lines right above it
        assert re.search(rf"#[^\n]*\n(?:\s*#[^\n]*\n)*\s*- {skip}\b", text), skip


def test_security_fuzzes_the_api_longer_than_the_test_suite_does() -> None:
    from tests.web.test_fuzz import DEFAULT_EXAMPLES

    (fuzz,) = [job for job in workflow("security")["jobs"].values() if _runs_fuzz(job)]
    (step,) = [step for step in fuzz["steps"] if "test_fuzz.py" in step.get("run", "")]
    assert step["run"].startswith(ci_command() + " tests/web/test_fuzz.py")
    assert int(step["env"]["ROLLCALL_FUZZ_EXAMPLES"]) >= 10 * DEFAULT_EXAMPLES


def _runs_fuzz(job: dict[str, Any]) -> bool:
    return any("test_fuzz.py" in step.get("run", "") for step in job["steps"])


def test_the_image_workflow_builds_both_dockerfile_targets_without_pushing() -> None:
    build = workflow("image")["jobs"]["build"]
    targets = set(build["strategy"]["matrix"]["target"])
    assert targets <= {stage.name for stage in read_stages(DOCKERFILE)}
    assert targets == {"cpu", "cuda"}
    (action,) = [s for s in build["steps"] if s.get("uses", "").startswith("docker/build-push")]
    assert action["with"]["push"] is False
    assert action["with"]["file"] == str(DOCKERFILE.relative_to(PROJECT_ROOT))
