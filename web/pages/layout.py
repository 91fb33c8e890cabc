"""One page shell for every page: the same head, header and navigation around each page's
own body, so a page file holds only what is its own."""

from __future__ import annotations

import html
from dataclasses import dataclass

from web.pages.access import Access


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    body_file: str  # under web/pages/html/
    script: str  # an ES module under web/pages/static/js/
    access: Access
    navigation: bool = True  # the sign-in page has no menu
    # the page's own, under web/pages/static/css/, after the shared rollcall.css
    stylesheets: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavLink:
    path: str
    label: str
    admin_only: bool


NAVIGATION = (
    NavLink("/board", "Board", admin_only=False),
    NavLink("/live", "Live view", admin_only=False),
    NavLink("/reports", "Reports", admin_only=False),
    NavLink("/camera", "Camera", admin_only=True),
    NavLink("/admin/people", "People", admin_only=True),
    NavLink("/admin/courses", "Courses", admin_only=True),
    NavLink("/admin/rooms", "Rooms & cameras", admin_only=True),
    NavLink("/admin/sessions", "Sessions", admin_only=True),
    NavLink("/admin/users", "Users", admin_only=True),
)


# Inline SVG (no request, allowed by the policy): the brand's mark, the same as the favicon.
_BRAND_MARK = (
    '<svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">'
    '<rect width="32" height="32" rx="7" fill="currentColor"/>'
    '<path d="M8.5 16.5l5 5L23.5 11" fill="none" stroke="#fff" stroke-width="3.6" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>'
)
_MENU_ICON = (
    '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
    '<path d="M4 6h16M4 12h16M4 18h16" fill="none" stroke="currentColor" stroke-width="2" '
    'stroke-linecap="round"/></svg>'
)
FAVICON_PATH = "/static/favicon.svg"


def _navigation(current: str) -> str:
    """The menu; on a phone it folds behind a Menu button (chrome.js opens it) so the page's
    own content starts on the first screen."""
    items = []
    for link in NAVIGATION:
        attributes = [f'href="{link.path}"']
        if link.path == current:
            attributes.append('aria-current="page"')
        if link.admin_only:
            attributes.append("data-admin-only hidden")
        items.append(f"<li><a {' '.join(attributes)}>{html.escape(link.label)}</a></li>")
    return (
        '<button type="button" class="menu-toggle secondary" aria-expanded="false" '
        f'aria-controls="site-menu" data-menu-toggle>{_MENU_ICON}<span>Menu</span></button>'
        '<div id="site-menu" class="site-menu">'
        '<nav aria-label="Main"><ul>' + "".join(items) + "</ul></nav>"
        '<div class="who"><span data-user-name></span>'
        '<button type="button" class="secondary" data-sign-out>Sign out</button></div>'
        "</div>"
    )


def render(page: Page, body: str) -> str:
    header = (
        f'<header class="top"><a class="brand" href="/board">{_BRAND_MARK}Rollcall</a>'
        + (_navigation(page.path) if page.navigation else "")
        + "</header>"
    )
    stylesheets = ("rollcall.css", *page.stylesheets)
    links = "".join(f'<link rel="stylesheet" href="/static/css/{name}">' for name in stylesheets)
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(page.title)} · Rollcall</title>"
        f'<link rel="icon" href="{FAVICON_PATH}" type="image/svg+xml">'
        f"{links}"
        f'<script type="module" src="/static/js/{page.script}"></script>'
        "</head><body>"
        '<a class="skip" href="#main">Skip to content</a>'
        f"{header}"
        f'<main id="main" tabindex="-1">{body}</main>'
        "</body></html>\n"
    )
