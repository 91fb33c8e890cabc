"""People's portraits: the small enrolment-photo face a teacher's board shows beside a name.

Served only to signed-in staff, never cached anywhere (`no-store`: a shared school computer or
a proxy must not keep a child's face), and not at all while the school keeps board photos off.
"""

from __future__ import annotations

from aiohttp import web

from web.http.bodies import path_uuid
from web.http.errors import ApiError
from web.http.operations import operation
from web.http.services import services_of

routes = web.RouteTableDef()

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@routes.get("/api/people/{person_id}/portrait")
@operation(
    "A person's portrait: a 96 px JPEG of the face in their enrolment photo",
    auth="teacher",
    tag="people",
    success_media="image/jpeg",
    description="Sent with Cache-Control: no-store. 404 when the person has none (no photo "
    "enrolled since portraits were kept, or the school turned board photos off).",
)
async def get_portrait(request: web.Request) -> web.Response:
    person_id = path_uuid(request, "person_id")
    services = services_of(request)
    image = None
    if services.settings.service.board_photos:
        image = await services.database.portraits.image(person_id)
    if image is None:
        raise ApiError(404, "not_found", f"no portrait of person {person_id}")
    return web.Response(body=image, content_type="image/jpeg", headers=NO_STORE)
