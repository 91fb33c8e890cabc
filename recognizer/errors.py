"""Exceptions raised by the recognizer package, one type per kind of failure."""

from __future__ import annotations


class RecognizerError(Exception):
    """Base of every error the recognizer package raises on purpose."""


class ImageError(RecognizerError):
    """Bytes that are not a usable image (empty, truncated, unknown format, absurd size)."""


class ModelPackError(RecognizerError):
    """A model pack folder or ONNX file that is missing, unreadable or of the wrong kind."""


class ProviderError(RecognizerError):
    """An execution provider that was asked for but is not the one really running a model."""


class GalleryError(RecognizerError):
    """An enrolment, search or saved index the gallery cannot accept, with the reason."""
