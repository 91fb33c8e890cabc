"""WebRTC signalling: a browser camera's offer in, the service's answer out.

The browser posts its SDP offer with the camera's own token (the camera page sends it as its
HttpOnly cookie) or an admin's; the answer comes back in the same response. The media itself
then flows between the browser and the streamer's peer connection, never through this handler.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from streamer.errors import NotABrowserCamera, SignallingError, UnknownCamera
from web.http.bodies import Body, path_uuid, read_model
from web.http.errors import ApiError
from web.http.operations import RateLimited, operation
from web.http.services import services_of

routes = web.RouteTableDef()

# Far above any real camera's offer (a few KiB); the streamer enforces its own tighter limit.
_MAX_SDP_CHARS = 65_536


class SdpOffer(Body):
    sdp: str = Field(min_length=1, max_length=_MAX_SDP_CHARS, description="the browser's offer")
    type: Literal["offer"] = "offer"


class SdpAnswer(BaseModel):
    # not a Body: stripping would cut the SDP's final CRLF, and browsers refuse the answer
    sdp: str
    type: Literal["answer"] = "answer"


@routes.post("/api/cameras/{camera_id}/offer")
@operation(
    "Answer a browser camera's WebRTC offer",
    auth="camera",
    tag="cameras",
    body=SdpOffer,
    body_kind="sdp",
    response=SdpAnswer,
    description="Send the camera's token (as a bearer token, or the camera page's cookie from "
    "POST /api/auth/camera) or an admin's. A malformed or hostile offer is a "
    "422 saying why; a camera that reads a URL, or one this process does not run, is a 409.",
    rate_limit=RateLimited("offer", per="address", what="offers"),
)
async def answer_offer(request: web.Request) -> web.Response:
    services = services_of(request)
    camera_id = path_uuid(request, "camera_id")
    offer = await read_model(request, SdpOffer)
    if services.live is None:
        raise ApiError(503, "live_unavailable", "this process does not run cameras")
    try:
        answer = await services.live.answer_offer(camera_id, offer.sdp, offer.type)
    except SignallingError as error:
        raise ApiError(422, "invalid_sdp", str(error)) from None
    except NotABrowserCamera:
        raise ApiError(
            409, "not_a_browser_camera", "this camera reads a URL; it takes no offers"
        ) from None
    except UnknownCamera:
        await services.database.cameras.get(camera_id)  # NotFound (404) when none is stored
        raise ApiError(
            409, "camera_not_running", "this camera is not running here (disabled or removed)"
        ) from None
    return web.json_response(SdpAnswer(sdp=answer).model_dump())
