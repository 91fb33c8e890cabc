"""What an API operation declares: who may call it, what it takes and what it answers.

One declaration serves two readers: `web.http.auth.access_middleware` enforces `auth` before
the handler runs (handlers never check access themselves), and `web.http.openapi` documents
it. A route without an operation is not part of the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

# public: anyone; teacher: any signed-in user (an admin may do what a teacher may); admin: an
# admin; camera: the token of the camera named by the path's {camera_id}, or an admin's
Auth = Literal["public", "teacher", "admin", "camera"]
BodyKind = Literal["json", "multipart", "csv", "sdp"]
F = TypeVar("F", bound=Callable[..., Any])

_ATTRIBUTE = "__rollcall_operation__"


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True)
class RateLimited:
    """Which of the service's limiters (`web.http.services.RateLimits`) an operation spends,
    keyed by the caller's address (checked before sign-in, so guessing tokens or passwords
    is slowed too) or by the signed-in user (after it)."""

    limiter: Literal["login", "upload", "offer"]
    per: Literal["address", "user"]
    what: str  # said in the 429: "too many <what>"


@dataclass(frozen=True)
class Operation:
    summary: str
    auth: Auth
    tag: str
    body: type[BaseModel] | None = None
    body_kind: BodyKind = "json"
    response: type[BaseModel] | None = None
    success: int = 200
    success_description: str = "OK"
    success_media: str = "application/json"
    query: tuple[QueryParam, ...] = ()
    description: str = ""
    # a WebSocket that may sign in by its first message instead (browsers cannot set headers
    # on a WebSocket): the middleware lets a request with no credentials that offers this
    # sub-protocol through to the handler, which then waits for the sign-in message
    sign_in_protocol: str | None = None
    rate_limit: RateLimited | None = None
    # a WebSocket's protocol: the messages a client may send and those it is sent
    client_messages: tuple[type[BaseModel], ...] = ()
    server_messages: tuple[type[BaseModel], ...] = ()


def operation(
    summary: str,
    *,
    auth: Auth,
    tag: str,
    body: type[BaseModel] | None = None,
    body_kind: BodyKind = "json",
    response: type[BaseModel] | None = None,
    success: int = 200,
    success_description: str = "OK",
    success_media: str = "application/json",
    query: tuple[QueryParam, ...] = (),
    description: str = "",
    sign_in_protocol: str | None = None,
    rate_limit: RateLimited | None = None,
    client_messages: tuple[type[BaseModel], ...] = (),
    server_messages: tuple[type[BaseModel], ...] = (),
) -> Callable[[F], F]:
    """Declare a handler an API operation: who may call it (enforced by the access
    middleware) and what it takes and answers (the OpenAPI document)."""
    described = Operation(
        summary=summary,
        auth=auth,
        tag=tag,
        body=body,
        body_kind=body_kind,
        response=response,
        success=success,
        success_description=success_description,
        success_media=success_media,
        query=query,
        description=description,
        sign_in_protocol=sign_in_protocol,
        rate_limit=rate_limit,
        client_messages=client_messages,
        server_messages=server_messages,
    )

    def attach(handler: F) -> F:
        setattr(handler, _ATTRIBUTE, described)
        return handler

    return attach


def operation_of(handler: Any) -> Operation | None:
    return getattr(handler, _ATTRIBUTE, None)
