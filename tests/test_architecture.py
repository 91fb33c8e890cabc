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


# web's floors, top down: a module imports only from its own floor or the floors below it
WEB_FLOORS: tuple[frozenset[str], ...] = tuple(
    frozenset(floor.split("|"))
    for floor in (
        "cli",
        "commands",
        "process",
        "app",
        "api|pages",  # resources and pages side by side, neither importing the other
        "http",  # plumbing: auth, operations, bodies, errors, OpenAPI, services
        "evaluation",
        "live|demo",
        "domain",
        "settings",
        "telemetry",
    )
)
# the sections the settings gather: settings stands above them, whatever folder holds them
SETTINGS_SECTIONS = ("web.http.config", "web.demo.config")


def _web_room(module: str) -> str:
    if module in SETTINGS_SECTIONS:
        return "settings"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "web"


def _web_floor(room: str) -> int:
    return next(i for i, floor in enumerate(WEB_FLOORS) if room in floor)


def _web_imports(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("web."))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "web":
                names.update(f"web.{alias.name}" for alias in node.names)
            elif node.module.startswith("web."):
                names.add(node.module)
    return names


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_module_of_web_stands_on_a_floor() -> None:
    rooms = {_web_room(_module_name(p)) for p in (PROJECT_ROOT / "web").rglob("*.py")}
    placed = set().union(*WEB_FLOORS) | {"web"}
    assert rooms <= placed


def test_no_import_in_web_runs_up_a_floor_or_across_to_a_neighbour() -> None:
    offending = []
    for path in sorted((PROJECT_ROOT / "web").rglob("*.py")):
        module = _module_name(path)
        room = _web_room(module)
        if room == "web":
            continue
        for imported in _web_imports(path):
            target = _web_room(imported)
            if target in ("web", room):
                continue
            if _web_floor(target) <= _web_floor(room):
                offending.append(f"{module} -> {imported}")
    assert offending == []
