"""The demo's own exceptions."""

from __future__ import annotations


class DemoError(Exception):
    """The demo cannot be prepared (photos missing, too few usable faces, a bad scene)."""
