"""Page and asset routes. They declare no operation, so they are not part of the API (the
OpenAPI document and the access middleware pass them by); tests/web/test_pages.py holds them
to their own rules."""

from __future__ import annotations

import html
from dataclasses import replace

from aiohttp import web

from web.http.auth import Handler
from web.http.errors import ApiError
from web.pages.access import (
    Access,
    allows,
    cookie_user,
    sign_in_redirect,
    signed_in_camera,
)
from web.pages.assets import HTML_DIR, Asset, load_assets
from web.pages.catalogue import PAGES
from web.pages.headers import ASSET_HEADERS, PAGE_HEADERS
from web.pages.layout import FAVICON_PATH, Page, render


def _page_handler(page: Page, document: str) -> Handler:
    refusal = _forbidden_document(page)

    async def show(request: web.Request) -> web.StreamResponse:
        if page.access is not Access.PUBLIC:
            # a user's cookie first: an admin at a camera page keeps the admin's tools
            user = await cookie_user(request)
            if not allows(page.access, user):
                if page.access is Access.CAMERA and await signed_in_camera(request):
                    return _served(document)
                if user is None:
                    raise sign_in_redirect(request, page.access)
                # a person at a browser: a page that says so, not a JSON error
                return _served(refusal, status=403)
        return _served(document)

    return show


_FORBIDDEN = {
    Access.ADMIN: "this page is for admins",
    Access.CAMERA: "this page is for admins and signed-in cameras",
}


def _served(document: str, status: int = 200) -> web.Response:
    return web.Response(
        text=document, status=status, content_type="text/html", headers=PAGE_HEADERS
    )


def _forbidden_document(page: Page) -> str:
    """What a signed-in user who may not open `page` sees: why, and the way to the board."""
    message = _FORBIDDEN.get(page.access, "this page is not yours to open")
    body = (
        f"<h1>{html.escape(page.title)}</h1>"
        f'<p class="error" role="alert">{html.escape(message.capitalize())}.</p>'
        '<p><a href="/board">Go to the attendance board</a></p>'
    )
    return render(replace(page, script="plain.js", stylesheets=()), body)


def _asset_handler(assets: dict[str, Asset]) -> Handler:
    async def serve(request: web.Request) -> web.StreamResponse:
        asset = assets.get(request.match_info["name"])
        if asset is None:
            raise ApiError(404, "not_found", "no such file")
        return web.Response(body=asset.body, content_type=asset.content_type, headers=ASSET_HEADERS)

    return serve


async def _home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/board")


async def _favicon(request: web.Request) -> web.StreamResponse:
    # every page names the SVG icon; browsers and tools that ask for /favicon.ico anyway are
    # sent to it (not permanently: a later release may serve another icon)
    raise web.HTTPFound(FAVICON_PATH)


def _document(page: Page) -> str:
    return render(page, (HTML_DIR / page.body_file).read_text(encoding="utf-8"))


def page_routes(pages: tuple[Page, ...] = PAGES) -> list[web.RouteDef]:
    """GET routes for every page, /static/ assets, /favicon.ico and / (the board)."""
    routes = [web.get(page.path, _page_handler(page, _document(page))) for page in pages]
    routes.append(web.get("/static/{name:.+}", _asset_handler(load_assets())))
    routes.append(web.get("/favicon.ico", _favicon))
    routes.append(web.get("/", _home))
    return routes
