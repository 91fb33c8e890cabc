"""Kept images of a session's unknown faces: admins list, view and delete them.

Images exist only while `presence.keep_unknown_faces` is on (off by default); with it off the
list is empty and says `"kept": false`, and no image is served. Deleting works either way,
so images kept before the setting was turned off can still be removed before they expire.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from web.domain.unknown_faces import KeptFace, UnknownFaceNotFound, UnknownFaceStore
from web.http.auth import current_user
from web.http.bodies import LIMIT_SCHEMA, OFFSET_SCHEMA, json_response, page_params, path_uuid
from web.http.errors import ApiError
from web.http.operations import QueryParam, operation
from web.http.services import Services, services_of

logger = logging.getLogger(__name__)

routes = web.RouteTableDef()

_IMAGE_SUFFIX = ".jpg"
_PAGE_QUERY = (
    QueryParam("limit", "page size (1..1000)", LIMIT_SCHEMA),
    QueryParam("offset", "items to skip", OFFSET_SCHEMA),
)


class UnknownFaceView(BaseModel):
    id: str
    camera_id: UUID
    track_id: int = Field(description="the camera's track number (restarts with the service)")
    seen_at: datetime = Field(description="when the face was counted as unknown")
    image_url: str

    @classmethod
    def of(cls, face: KeptFace) -> UnknownFaceView:
        return cls(
            id=face.id,
            camera_id=face.camera_id,
            track_id=face.track_id,
            seen_at=face.seen_at,
            image_url=f"/api/sessions/{face.session_id}/unknown-faces/{face.id}{_IMAGE_SUFFIX}",
        )


class UnknownFaceList(BaseModel):
    kept: bool = Field(description="whether this service keeps images of unknown faces")
    retention_days: float = Field(description="kept images are deleted after this long")
    items: list[UnknownFaceView]
    limit: int
    offset: int
    next_offset: int | None


class UnknownFacesDeleted(BaseModel):
    deleted: int = Field(description="images deleted")


def _store(services: Services) -> UnknownFaceStore:
    return UnknownFaceStore.from_settings(services.settings)


@routes.get("/api/sessions/{session_id}/unknown-faces")
@operation(
    "The session's kept images of unknown faces, earliest first (empty unless the service"
    " keeps them: presence.keep_unknown_faces)",
    auth="admin",
    tag="unknown-faces",
    response=UnknownFaceList,
    query=_PAGE_QUERY,
)
async def list_unknown_faces(request: web.Request) -> web.Response:
    session_id = path_uuid(request, "session_id")
    limit, offset = page_params(request)
    services = services_of(request)
    await services.database.sessions.get(session_id)
    presence = services.settings.presence
    faces: list[KeptFace] = []
    if presence.keep_unknown_faces:
        faces = await services.run_cpu(_store(services).faces, session_id)
    page = faces[offset : offset + limit]
    return json_response(
        UnknownFaceList(
            kept=presence.keep_unknown_faces,
            retention_days=presence.unknown_face_retention_days,
            items=[UnknownFaceView.of(face) for face in page],
            limit=limit,
            offset=offset,
            next_offset=offset + limit if offset + limit < len(faces) else None,
        )
    )


@routes.get("/api/sessions/{session_id}/unknown-faces/{face_id}.jpg")
@operation(
    "One kept image of an unknown face, as JPEG",
    auth="admin",
    tag="unknown-faces",
    success_media="image/jpeg",
)
async def get_unknown_face(request: web.Request) -> web.Response:
    session_id = path_uuid(request, "session_id")
    face_id = request.match_info["face_id"]
    services = services_of(request)
    await services.database.sessions.get(session_id)
    if not services.settings.presence.keep_unknown_faces:
        raise ApiError(404, "not_found", "this service keeps no images of unknown faces")
    try:
        data = await services.run_cpu(_store(services).read, session_id, face_id)
    except UnknownFaceNotFound as error:
        raise ApiError(404, "not_found", str(error)) from None
    return web.Response(
        body=data,
        content_type="image/jpeg",
        # a stranger's face: no shared cache may keep a copy
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@routes.delete("/api/sessions/{session_id}/unknown-faces")
@operation(
    "Delete every kept image of the session's unknown faces (audited)",
    auth="admin",
    tag="unknown-faces",
    response=UnknownFacesDeleted,
)
async def delete_unknown_faces(request: web.Request) -> web.Response:
    user = current_user(request)
    session_id = path_uuid(request, "session_id")
    services = services_of(request)
    images = _store(services)
    deleted = await services.database.sessions.delete_unknown_faces(
        session_id,
        lambda: services.run_cpu(images.delete_session, session_id),
        actor=user.username,
    )
    logger.info(
        "unknown-face images deleted",
        extra={"session_id": str(session_id), "images": deleted},
    )
    return json_response(UnknownFacesDeleted(deleted=deleted))
