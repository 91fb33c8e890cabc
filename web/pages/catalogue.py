"""Every page the service serves, with who may open it."""

from __future__ import annotations

from web.pages.access import Access
from web.pages.layout import Page

PAGES = (
    Page("/sign-in", "Sign in", "sign_in.html", "sign_in.js", Access.PUBLIC, navigation=False),
)
