"""The OpenAPI description, made from the routes themselves.

Every API handler carries an `Operation` (`web.http.operations`): its summary, who may call
it, its body model and its responses. The document at /api/openapi.json is built from the
router at request time, so it cannot drift from what is served, and the access middleware
enforces the same declaration the document shows.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from web.http.operations import Auth, Operation, operation_of


def described_routes(app: web.Application) -> list[tuple[str, str, Any]]:
    """(method, path, handler) of every API route a client can call: the routes that declare
    an operation (pages and assets declare none: they are for people, not an API), HEAD
    twins left out."""
    routes = []
    for route in app.router.routes():
        if route.method in ("HEAD", "OPTIONS") or operation_of(route.handler) is None:
            continue
        path = route.resource.canonical if route.resource is not None else ""
        routes.append((route.method, path, route.handler))
    return routes


_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "request_id"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "request_id": {"type": "string"},
                "details": {},
            },
        }
    },
}

_BODY_MEDIA = {
    "json": "application/json",
    "multipart": "multipart/form-data",
    "csv": "text/csv",
    "sdp": "application/json",
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


class _Schemas:
    """Collects pydantic models' schemas into components, one entry per model."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Error": _ERROR_SCHEMA}

    def ref(self, model: type[BaseModel]) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            self.components.setdefault(name, definition)
        self.components.setdefault(model.__name__, schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}


_PATH_VARIABLE = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
# Path variables are ids, UUIDs read by `path_uuid` (anything else names nothing: 404),
# except these.
_TEXT_PATH_VARIABLES = {"face_id"}


def _path_parameters(path: str) -> list[dict[str, Any]]:
    # aiohttp allows a variable inside a segment ("{face_id}.jpg"), so search, not split
    names = _PATH_VARIABLE.findall(path)
    return [
        {
            "name": n,
            "in": "path",
            "required": True,
            "schema": {"type": "string"}
            if n in _TEXT_PATH_VARIABLES
            else {"type": "string", "format": "uuid"},
        }
        for n in names
    ]


def _security(auth: Auth) -> list[dict[str, list[str]]]:
    if auth == "public":
        return []
    if auth == "camera":
        return [{"cameraToken": []}]
    return [{"bearerToken": []}, {"sessionCookie": []}]


def _describe(op: Operation, path: str, schemas: _Schemas) -> dict[str, Any]:
    described: dict[str, Any] = {
        "summary": op.summary,
        "tags": [op.tag],
        "security": _security(op.auth),
        "parameters": _path_parameters(path)
        + [
            {
                "name": q.name,
                "in": "query",
                "required": q.required,
                "schema": q.schema,
                "description": q.description,
            }
            for q in op.query
        ],
    }
    if op.description:
        described["description"] = op.description
    if op.auth in ("teacher", "admin"):
        described["x-rollcall-role"] = op.auth
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {_BODY_MEDIA[op.body_kind]: {"schema": schemas.ref(op.body)}},
        }
    success: dict[str, Any] = {"description": op.success_description}
    if op.success != 204:
        schema = schemas.ref(op.response) if op.response is not None else {}
        success["content"] = {op.success_media: {"schema": schema}}
    responses: dict[str, Any] = {str(op.success): success}
    if op.auth != "public":
        responses["401"] = _error("not signed in, or the token is not valid")
        responses["403"] = _error("signed in, but not allowed")
    if op.body is not None or op.query:
        responses["422"] = _error("the request is not valid")
    if op.client_messages or op.server_messages:
        # OpenAPI has no words for a WebSocket's messages: an extension naming their schemas
        described["x-rollcall-messages"] = {
            "client": [schemas.ref(model) for model in op.client_messages],
            "server": [schemas.ref(model) for model in op.server_messages],
        }
    if op.rate_limit is not None:
        responses["429"] = _error(
            f"too many {op.rate_limit.what} from this {op.rate_limit.per}; see Retry-After"
        )
    responses["default"] = _error("any other error, in the same shape")
    described["responses"] = responses
    return described


def build_spec(app: web.Application, title: str, version: str) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler in described_routes(app):
        op = operation_of(handler)
        if op is None or not path:
            continue
        paths.setdefault(path, {})[method.lower()] = _describe(op, path, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": 'Errors are always {"error": {"code", "message", '
            '"request_id"}}; send X-Request-ID to choose the id.',
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "rollcall_session"},
                "cameraToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a camera's own token, shown once when the camera is created",
                },
            },
        },
    }
