"""The streamer's exceptions; messages never carry a camera URL's password."""

from __future__ import annotations


class StreamerError(Exception):
    """Base of every error the streamer raises on purpose."""


class InvalidCameraUrl(StreamerError, ValueError):
    """A camera URL that cannot be used (bad scheme, host or port, or not a URL at all)."""


class InvalidCameraSpec(StreamerError, ValueError):
    """A camera description that cannot be used (bad id, settings that contradict)."""


class UnknownCamera(StreamerError, LookupError):
    """No camera with this id is being supervised."""


class CameraAlreadyExists(StreamerError):
    """A camera with this id is already being supervised."""


class NotABrowserCamera(StreamerError):
    """An SDP offer was sent to a camera that reads a URL instead of a browser stream."""


class SignallingError(StreamerError, ValueError):
    """An SDP offer that was refused: malformed, hostile, or impossible to answer."""


class CameraClosed(StreamerError):
    """The camera was removed or the streamer shut down while a consumer waited for a frame."""
