"""The ids the recognizer carries: the store's UUIDs, passed through and never parsed.

One type for every id, so the web layer hands the store's ids in and gets the same objects
back in events and boxes, with no conversion in between.
"""

from __future__ import annotations

from uuid import UUID

PersonId = UUID
TemplateId = UUID
SessionId = UUID
CameraId = UUID
