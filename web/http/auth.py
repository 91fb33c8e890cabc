"""Who is asking: users by bearer token (or the board's HttpOnly cookie), cameras by their own
token (or the camera page's HttpOnly cookie). `access_middleware` checks what each operation
declares (`web.http.operations`) before its handler runs; a handler reads the caller with
`current_user`.

Tokens are never read from URLs (they would land in proxy logs and browser history). A request
authenticated by cookie that changes something must come from this site's own pages (Origin
check), so another site cannot ride on a teacher's signed-in browser.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from aiohttp import web

from store.users import Role, User
from web.http.bodies import path_uuid
from web.http.errors import ApiError
from web.http.operations import Operation, RateLimited, operation_of
from web.http.services import services_of

SESSION_COOKIE = "rollcall_session"
CAMERA_COOKIE = "rollcall_camera"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="rollcall"'}
_USER_KEY = web.RequestKey("user", User)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def client_address(request: web.Request) -> str:
    """The client's address for rate limits; X-Forwarded-For only behind a trusted proxy."""
    if services_of(request).settings.service.trusted_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return request.remote or "unknown"


def served_over_https(request: web.Request) -> bool:
    """True for TLS here, or at a trusted proxy in front (then the cookie must be Secure)."""
    if request.secure:
        return True
    if services_of(request).settings.service.trusted_proxy:
        return request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip() == "https"
    return False


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site") in (None, "same-origin", "none")
    return origin in (f"{request.scheme}://{request.host}", f"https://{request.host}")


@dataclass(frozen=True)
class CameraCookie:
    """What the camera page's cookie holds: which camera, and that camera's own token."""

    camera_id: UUID
    token: str

    @property
    def value(self) -> str:
        return f"{self.camera_id}.{self.token}"

    @classmethod
    def of(cls, request: web.Request) -> CameraCookie | None:
        """The request's camera cookie, or None when it has none or a malformed one."""
        value = request.cookies.get(CAMERA_COOKIE, "")
        camera, _, token = value.partition(".")  # tokens are URL-safe base64: never a dot
        if not token or len(token) > 256:
            return None
        try:
            return cls(UUID(camera), token)
        except ValueError:
            return None


def refuse_cross_site(request: web.Request) -> None:
    """403 for a request that changes something and comes from another site's page."""
    if request.method in _UNSAFE and not _same_origin(request):
        raise ApiError(403, "forbidden", "cross-site request refused")


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers=_UNAUTHORIZED_HEADERS)


async def authenticate(request: web.Request) -> User:
    """The signed-in user, or 401."""
    cached = request.get(_USER_KEY)
    if cached is not None:
        return cached
    token = bearer_token(request)
    from_cookie = False
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        from_cookie = token is not None
    if not token:
        raise _unauthorized("sign in first: send 'Authorization: Bearer <token>'")
    if len(token) > 256:
        raise _unauthorized("the token is not valid")
    if from_cookie and request.method in _UNSAFE and not _same_origin(request):
        raise ApiError(403, "forbidden", "cross-site request refused")
    user = await services_of(request).database.users.user_for_token(token)
    if user is None:
        raise _unauthorized("the token is not valid or has expired; sign in again")
    request[_USER_KEY] = user
    return user


async def require(request: web.Request, role: Role = Role.TEACHER) -> User:
    """The signed-in user if their role allows `role` (an admin may do what a teacher may)."""
    user = await authenticate(request)
    if role is Role.ADMIN and user.role is not Role.ADMIN:
        raise ApiError(403, "forbidden", "this needs an admin")
    return user


async def signed_in_camera(request: web.Request) -> UUID:
    """The camera the camera page's cookie signs in, or 401 (none, malformed, a token since
    rotated, or the camera disabled). An unsafe request must come from this site's pages."""
    cookie = CameraCookie.of(request)
    if cookie is None:
        raise _unauthorized("sign the camera in with its token first")
    refuse_cross_site(request)
    if not await services_of(request).database.cameras.verify_token(cookie.camera_id, cookie.token):
        raise _unauthorized(
            "the camera's sign-in is no longer valid (its token was replaced or the camera "
            "disabled); sign it in again"
        )
    return cookie.camera_id


async def require_camera(request: web.Request, camera_id: UUID) -> None:
    """The request carries this camera's own token, in a header or the camera page's cookie
    (a camera token opens nothing else)."""
    token = bearer_token(request) or request.headers.get("X-Camera-Token")
    if token is None and CameraCookie.of(request) is not None:
        if await signed_in_camera(request) != camera_id:
            raise ApiError(403, "forbidden", "this camera's sign-in does not publish this camera")
        return
    if not token or len(token) > 256:
        raise _unauthorized("send the camera's token: 'Authorization: Bearer <camera token>'")
    if not await services_of(request).database.cameras.verify_token(camera_id, token):
        raise ApiError(403, "forbidden", "this token does not publish this camera")


def current_user(request: web.Request) -> User:
    """The caller the access middleware signed in (for an operation that needs a user)."""
    user = request.get(_USER_KEY)
    if user is None:
        raise RuntimeError(f"{request.path}: current_user on an operation that signs nobody in")
    return user


def signed_in_user(request: web.Request) -> User | None:
    """The caller, or None when the operation lets them sign in later (a WebSocket)."""
    return request.get(_USER_KEY)


def _has_user_credentials(request: web.Request) -> bool:
    return bearer_token(request) is not None or SESSION_COOKIE in request.cookies


def _offers_protocol(request: web.Request, protocol: str) -> bool:
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    return protocol in (name.strip() for name in offered.split(","))


async def _camera_or_admin(request: web.Request, camera_id: UUID) -> None:
    """The camera's own token, or failing that an admin (who may connect any camera)."""
    try:
        await require_camera(request, camera_id)
    except ApiError as refused:
        try:
            await require(request, Role.ADMIN)
        except ApiError:
            raise refused from None


async def _enforce(request: web.Request, declared: Operation) -> None:
    if declared.auth == "public":
        return
    if declared.auth == "camera":
        await _camera_or_admin(request, path_uuid(request, "camera_id"))
        return
    protocol = declared.sign_in_protocol
    if protocol is not None:
        if not _has_user_credentials(request) and _offers_protocol(request, protocol):
            return  # signs in by its first message
        if bearer_token(request) is None and not _same_origin(request):
            # a cookie rides along on any site's WebSocket: only this site's pages may use it
            raise ApiError(403, "forbidden", "cross-site WebSocket refused")
    await require(request, Role.ADMIN if declared.auth == "admin" else Role.TEACHER)


def _spend(request: web.Request, limited: RateLimited, key: str) -> None:
    limiter = getattr(services_of(request).limits, limited.limiter)
    limiter.check(key, limited.what)


@web.middleware
async def access_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Enforces the matched route's declared `auth` and rate limit before its handler runs.
    Routes without an operation (pages, assets) keep their own rules."""
    declared = operation_of(request.match_info.handler)
    if declared is not None:
        limited = declared.rate_limit
        if limited is not None and limited.per == "address":
            _spend(request, limited, f"address:{client_address(request)}")
        await _enforce(request, declared)
        if limited is not None and limited.per == "user":
            _spend(request, limited, f"user:{current_user(request).id}")
    return await handler(request)
