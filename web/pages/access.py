"""Who may open a page. A visitor who is not signed in is sent to sign in (and back after);
a signed-in teacher who opens an admin page is told so, not shown an empty page."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import quote

from aiohttp import web

from store.users import Role, User
from web.api.auth import SESSION_COOKIE
from web.services import services_of

SIGN_IN_PATH = "/sign-in"


class Access(StrEnum):
    PUBLIC = "public"
    TEACHER = "teacher"  # any signed-in user
    ADMIN = "admin"


async def signed_in_user(request: web.Request) -> User | None:
    """The user of the session cookie, or None (pages never take bearer tokens)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 256:
        return None
    return await services_of(request).database.users.user_for_token(token)


def sign_in_redirect(request: web.Request) -> web.HTTPSeeOther:
    """Back to this page after signing in; only a local path is ever carried."""
    return web.HTTPSeeOther(f"{SIGN_IN_PATH}?next={quote(request.path_qs, safe='')}")


def allows(access: Access, user: User | None) -> bool:
    if access is Access.PUBLIC:
        return True
    if user is None:
        return False
    return access is Access.TEACHER or user.role is Role.ADMIN
