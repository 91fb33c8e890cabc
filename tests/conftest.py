"""Fixtures shared by every package's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FACES_DIR = PROJECT_ROOT.parent / "shared" / "faces"


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The labelled real-face photos beside the project (never copied into it)."""
    if not (FACES_DIR / "labels.csv").is_file():
        pytest.fail(f"real face photos not found at {FACES_DIR}: the tests need ../shared/faces")
    return FACES_DIR
