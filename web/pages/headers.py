"""Response headers that keep pages to themselves: scripts and connections only from this
service (it runs on closed networks: no CDN is ever needed), no framing by other sites, no
referrer leaking paths."""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}

ASSET_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # short: a new release's scripts reach open pages at their next load
    "Cache-Control": "public, max-age=300",
}
