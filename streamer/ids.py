"""A camera's id: the store's UUID, used as given (the streamer only compares and logs it)."""

from __future__ import annotations

from uuid import UUID

CameraId = UUID
