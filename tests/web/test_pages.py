"""Pages hold no data: the service sends a page only to who may open it, sends everyone else to
sign in (and back), and serves each page and script with headers that keep other sites' scripts
and frames out."""

from __future__ import annotations

from html.parser import HTMLParser

from aiohttp.test_utils import TestClient
from yarl import URL

from tests.web.conftest import SignedIn
from web.http.auth import SESSION_COOKIE
from web.pages.access import Access
from web.pages.assets import load_assets
from web.pages.catalogue import PAGES


class InlineCode(HTMLParser):
    """What a Content-Security-Policy without 'unsafe-inline' refuses to run: a script with no
    src, an on... handler attribute, a style attribute or element."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    @classmethod
    def of(cls, document: str) -> list[str]:
        parser = cls()
        parser.feed(document)
        parser.close()
        return parser.found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if (tag == "script" and "src" not in names) or tag == "style":
            self.found.append(f"<{tag}> element")
        self.found.extend(
            f"{name} attribute on <{tag}>"
            for name in names
            if name == "style" or name.startswith("on")
        )


class SecretsSentByGet(HTMLParser):
    """Forms holding a password or token field that would submit by GET (a form's default)
    were they sent before their script took them over: the secret would land in the address,
    the history and every log on the way."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._form: dict[str, str | None] | None = None

    @classmethod
    def of(cls, document: str) -> list[str]:
        parser = cls()
        parser.feed(document)
        parser.close()
        return parser.found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self._form = dict(attrs)
        elif tag == "input" and self._form is not None:
            fields = dict(attrs)
            secret = fields.get("type") == "password" or "token" in (fields.get("name") or "")
            if secret and (self._form.get("method") or "get").lower() != "post":
                self.found.append(f"{fields.get('id')} in form {self._form.get('id')}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _cookie(user: SignedIn) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={user.token}"}


async def test_every_page_but_the_public_ones_sends_a_visitor_to_sign_in_and_back(
    api: TestClient,
) -> None:
    guarded = [page for page in PAGES if page.access is not Access.PUBLIC]
    for page in guarded:
        response = await api.get(f"{page.path}?x=1", allow_redirects=False)
        assert response.status == 303, page.path
        location = URL(response.headers["Location"])
        assert location.path == ("/camera/sign-in" if page.access is Access.CAMERA else "/sign-in")
        assert location.query["next"] == f"{page.path}?x=1"


async def test_a_bearer_token_does_not_open_a_page_only_the_session_cookie_does(
    api: TestClient, admin: SignedIn
) -> None:
    for page in PAGES:
        if page.access is Access.PUBLIC:
            continue
        by_header = await api.get(page.path, headers=admin.headers, allow_redirects=False)
        assert by_header.status == 303, page.path
        by_cookie = await api.get(page.path, headers=_cookie(admin), allow_redirects=False)
        assert by_cookie.status == 200, page.path


async def test_an_admin_page_tells_a_teacher_it_is_for_admins(
    api: TestClient, teacher: SignedIn
) -> None:
    for page in PAGES:
        response = await api.get(page.path, headers=_cookie(teacher), allow_redirects=False)
        if page.access in (Access.ADMIN, Access.CAMERA):
            assert response.status == 403, page.path
            assert response.content_type == "text/html"
            text = await response.text()
            assert "This page is for admins" in text and 'href="/board"' in text, page.path
        else:
            assert response.status == 200, page.path


async def test_pages_are_served_with_a_policy_that_allows_only_this_service(
    api: TestClient, admin: SignedIn
) -> None:
    for page in PAGES:
        response = await api.get(page.path, headers=_cookie(admin))
        assert response.status == 200, page.path
        assert response.content_type == "text/html"
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        text = await response.text()
        assert "http://" not in text and "https://" not in text  # nothing from elsewhere
        assert f'src="/static/js/{page.script}"' in text
        assert InlineCode.of(text) == [], page.path  # the policy would block each of them
        assert SecretsSentByGet.of(text) == [], page.path


async def test_every_script_and_stylesheet_a_page_names_is_served_with_its_type(
    api: TestClient,
) -> None:
    assets = load_assets()
    assert "css/rollcall.css" in assets and "js/api.js" in assets
    for page in PAGES:
        assert f"js/{page.script}" in assets, page.script
    for name, asset in assets.items():
        response = await api.get(f"/static/{name}")
        assert response.status == 200, name
        assert response.content_type == asset.content_type
        assert await response.read() == asset.body


# the SVG namespace is a name that SVG needs, never an address anything is loaded from
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


async def test_scripts_load_nothing_from_other_hosts(api: TestClient) -> None:
    for name, asset in load_assets().items():
        text = asset.body.decode().replace(f'"{SVG_NAMESPACE}"', "")
        assert "http://" not in text and "https://" not in text, name
        assert "localStorage" not in text and "sessionStorage" not in text, name


async def test_a_path_outside_the_assets_is_a_json_404_never_a_file(api: TestClient) -> None:
    for path in ("/static/../app.py", "/static/js/nothing.js", "/static/%2e%2e/settings.py"):
        response = await api.get(path)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"


async def test_the_root_opens_the_board(api: TestClient) -> None:
    response = await api.get("/", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/board"


async def test_every_page_names_the_favicon_and_favicon_ico_leads_to_it(
    api: TestClient, admin: SignedIn
) -> None:
    for page in PAGES:
        text = await (await api.get(page.path, headers=_cookie(admin))).text()
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in text, page
    icon = await api.get("/static/favicon.svg")
    assert icon.status == 200 and icon.content_type == "image/svg+xml"
    assert (await icon.read()).startswith(b"<svg")
    asked = await api.get("/favicon.ico", allow_redirects=False)
    assert asked.status == 302 and asked.headers["Location"] == "/static/favicon.svg"
    followed = await api.get("/favicon.ico")
    assert followed.status == 200 and followed.content_type == "image/svg+xml"
