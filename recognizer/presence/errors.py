"""Exceptions of the presence engine."""

from __future__ import annotations

from recognizer.errors import RecognizerError


class PresenceError(RecognizerError):
    """A frame or class context the presence engine cannot accept, with the reason."""
