"""The API description is kept true by the routes themselves: every route is described, every
route that is not public refuses a caller without a token, and the document lists exactly the
routes the app serves."""

from __future__ import annotations

import ast
import re
import uuid

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import PROJECT_ROOT
from tests.web.conftest import SignedIn
from web.app import RESOURCES, UndeclaredRoute, _declared, build_app
from web.http.openapi import described_routes
from web.http.operations import operation_of
from web.http.services import Services


def _app_routes(services: Services) -> list[tuple[str, str, object]]:
    return [(m, p, h) for m, p, h in described_routes(build_app(services)) if p]


def _with_made_up_ids(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


def test_every_resource_route_is_in_the_document(services: Services) -> None:
    declared = {(m, p) for m, p, _ in _app_routes(services)}
    served = {(route.method, route.path) for module in RESOURCES for route in module.routes}  # type: ignore[union-attr]
    assert served <= declared


def test_a_resource_route_without_an_operation_stops_the_app_from_being_built(
    services: Services,
) -> None:
    stray = web.RouteTableDef()

    @stray.get("/api/stray")
    async def undeclared(request: web.Request) -> web.Response:
        return web.json_response({})

    with pytest.raises(UndeclaredRoute, match="undeclared"):
        _declared(stray)


def test_pages_are_not_api_operations(services: Services) -> None:
    paths = {p for _, p, _ in _app_routes(services)}
    assert not {"/", "/board", "/static/{name}"} & paths
    assert all(p.startswith(("/api/", "/ws", "/health", "/metrics")) for p in paths)


def test_no_handler_checks_access_itself() -> None:
    """Who may call an operation is declared once, in its @operation, and enforced by the
    access middleware: a handler that also checked would be a second rule to keep in step."""
    checks = {"require", "require_camera", "authenticate", "signed_in_camera"}
    calls = [
        f"{path.name}:{node.lineno}"
        for path in sorted((PROJECT_ROOT / "web" / "api").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in checks
        and path.name != "camera_sign_in.py"  # says which camera signs in: no guard
    ]
    assert calls == []


async def test_every_route_that_is_not_public_answers_401_without_a_token(
    api: TestClient, services: Services
) -> None:
    guarded = [
        (method, path)
        for method, path, handler in _app_routes(services)
        if (op := operation_of(handler)) is not None and op.auth != "public"
    ]
    assert ("GET", "/ws") in guarded
    answered = {}
    for method, path in guarded:
        response = await api.request(method, _with_made_up_ids(path))
        answered[f"{method} {path}"] = response.status
        if response.status == 401:
            assert (await response.json())["error"]["code"] == "unauthorized"
    assert {route: status for route, status in answered.items() if status != 401} == {}


async def test_every_admin_route_refuses_a_teacher_and_says_the_role_in_the_document(
    api: TestClient, services: Services, teacher: SignedIn
) -> None:
    admin_only = [
        (method, path)
        for method, path, handler in _app_routes(services)
        if (op := operation_of(handler)) is not None and op.auth == "admin"
    ]
    assert ("DELETE", "/api/people/{person_id}") in admin_only
    answered = {}
    for method, path in admin_only:
        response = await api.request(method, _with_made_up_ids(path), headers=teacher.headers)
        answered[f"{method} {path}"] = response.status
    assert {route: status for route, status in answered.items() if status != 403} == {}


async def test_every_camera_route_refuses_a_teacher_and_another_camera_s_token(
    api: TestClient, services: Services, teacher: SignedIn, admin: SignedIn
) -> None:
    camera_routes = [
        (method, path)
        for method, path, handler in _app_routes(services)
        if (op := operation_of(handler)) is not None and op.auth == "camera"
    ]
    assert camera_routes
    created = await api.post(
        "/api/cameras", json={"name": "other", "kind": "webrtc"}, headers=admin.headers
    )
    other_token = (await created.json())["access_token"]
    for method, path in camera_routes:
        unknown_camera = _with_made_up_ids(path)
        as_teacher = await api.request(method, unknown_camera, headers=teacher.headers)
        as_other = await api.request(
            method, unknown_camera, headers={"Authorization": f"Bearer {other_token}"}
        )
        assert (as_teacher.status, as_other.status) == (403, 403), path


async def test_public_routes_answer_without_a_token(api: TestClient, services: Services) -> None:
    public = [
        path
        for method, path, handler in _app_routes(services)
        if method == "GET" and (op := operation_of(handler)) is not None and op.auth == "public"
    ]
    assert {"/health/live", "/health/ready", "/health", "/metrics"} <= set(public)
    for path in public:
        assert (await api.get(_with_made_up_ids(path))).status == 200, path


async def test_the_document_lists_exactly_the_routes_the_app_serves(
    api: TestClient, teacher: SignedIn, services: Services
) -> None:
    document = await (await api.get("/api/openapi.json", headers=teacher.headers)).json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    served = {(method, path) for method, path, _ in _app_routes(services)}
    assert documented == served


async def test_the_reference_page_is_a_page_not_an_operation(
    api: TestClient, teacher: SignedIn
) -> None:
    cookie = {"Cookie": f"rollcall_session={teacher.token}"}
    response = await api.get("/api/docs", headers=cookie)
    assert response.status == 200
    assert response.content_type == "text/html"
    assert "/static/js/api_docs.js" in await response.text()
    # a visitor is sent to sign in, as on every page, rather than answered with JSON
    visitor = await api.get("/api/docs", allow_redirects=False)
    assert visitor.status == 303 and visitor.headers["Location"].startswith("/sign-in")
    document = await (await api.get("/api/openapi.json", headers=teacher.headers)).json()
    assert "/api/docs" not in document["paths"]


def test_the_live_routes_are_served_by_the_app(services: Services) -> None:
    app = build_app(services)
    assert isinstance(app, web.Application)
    paths = {path for _, path, _ in _app_routes(services)}
    assert {"/ws", "/metrics", "/api/cameras/{camera_id}/offer"} <= paths
