"""Fixtures of the browser tests: the e2e fixtures (service, signed-in clients, the class),
plus a folder for artefacts such as the board's screenshot. Chromium is Debian's
(/usr/bin/chromium, installed by .ci/test); without it these tests fail, they never fetch a
browser of their own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ARTEFACTS_ENV = "ROLLCALL_TEST_ARTEFACTS"
DEFAULT_ARTEFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Where screenshots are kept after the run (ROLLCALL_TEST_ARTEFACTS, else
    test-artifacts/ in the checkout, which git ignores)."""
    folder = Path(os.environ.get(ARTEFACTS_ENV, DEFAULT_ARTEFACTS))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
