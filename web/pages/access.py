"""Who may open a page. A visitor who is not signed in is sent to sign in (and back after);
a signed-in teacher who opens an admin page is told so, not shown an empty page. The camera
page also opens for a browser camera signed in with its token, and sends a visitor to the
camera's sign-in instead."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import quote

from aiohttp import web

from store.users import Role, User
from web.http.auth import SESSION_COOKIE, CameraCookie
from web.http.services import services_of

SIGN_IN_PATH = "/sign-in"
CAMERA_SIGN_IN_PATH = "/camera/sign-in"


class Access(StrEnum):
    PUBLIC = "public"
    TEACHER = "teacher"  # any signed-in user
    ADMIN = "admin"
    CAMERA = "camera"  # a browser camera's own cookie, or an admin (who picks the camera)


async def cookie_user(request: web.Request) -> User | None:
    """The user of the session cookie, or None (pages never take bearer tokens)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 256:
        return None
    return await services_of(request).database.users.user_for_token(token)


async def signed_in_camera(request: web.Request) -> bool:
    """Whether the camera cookie signs in a camera with its current token (the camera page
    then asks the API which camera it is)."""
    cookie = CameraCookie.of(request)
    if cookie is None:
        return False
    return await services_of(request).database.cameras.verify_token(cookie.camera_id, cookie.token)


def sign_in_redirect(request: web.Request, access: Access = Access.TEACHER) -> web.HTTPSeeOther:
    """Back to this page after signing in; only a local path is ever carried."""
    where = CAMERA_SIGN_IN_PATH if access is Access.CAMERA else SIGN_IN_PATH
    return web.HTTPSeeOther(f"{where}?next={quote(request.path_qs, safe='')}")


def allows(access: Access, user: User | None) -> bool:
    if access is Access.PUBLIC:
        return True
    if user is None:
        return False
    return access is Access.TEACHER or user.role is Role.ADMIN
