"""The shape of the code base: imports go one way, and the root holds what it should.

`web` composes the three libraries; `streamer`, `recognizer` and `store` never import `web`
or each other, so each can be tested, benchmarked and reused on its own.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

LIBRARIES = ("streamer", "recognizer", "store")
FIRST_PARTY = (*LIBRARIES, "web")


def imported_packages(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(FIRST_PARTY)


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_library_imports_only_itself_among_first_party_packages(library: str) -> None:
    offending = {
        str(path.relative_to(PROJECT_ROOT)): sorted(imported_packages(path) - {library})
        for path in sorted((PROJECT_ROOT / library).rglob("*.py"))
        if imported_packages(path) - {library}
    }
    assert offending == {}


def test_the_repository_root_holds_the_agreed_layout() -> None:
    allowed = {
        "streamer",
        "recognizer",
        "store",
        "web",
        "tests",
        "k8s",
        "pyproject.toml",
        "README.md",
        ".ci",
    }
    # what git tracks: build outputs and test artefacts in a working copy are not the layout
    listed = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    tracked_top = {path.split("/")[0] for path in listed}
    assert {name for name in tracked_top if not name.startswith(".")} <= allowed
