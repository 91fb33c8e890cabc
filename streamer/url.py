"""Camera URLs: which ones are accepted, and how they are shown without their password."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from streamer.errors import InvalidCameraUrl

NETWORK_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https"})
FILE_SCHEME = "file"
MAX_URL_LENGTH = 2048
REDACTED = "***"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CameraUrl:
    """A validated camera URL. `str()` and `repr()` show it redacted; `raw` holds the secret."""

    raw: str = field(repr=False)
    scheme: str
    redacted: str
    password: str | None = field(default=None, repr=False)

    @property
    def is_file(self) -> bool:
        return self.scheme == FILE_SCHEME

    @property
    def path(self) -> Path:
        """The local path of a file URL."""
        if not self.is_file:
            raise ValueError("not a file URL")
        return Path(unquote(urlsplit(self.raw).path)) if "://" in self.raw else Path(self.raw)

    def scrub(self, text: str) -> str:
        """`text` with this URL and its password replaced by their redacted forms."""
        text = text.replace(self.raw, self.redacted)
        if self.password:
            for secret in {self.password, unquote(self.password)}:
                if secret:
                    text = text.replace(secret, REDACTED)
        return text

    def __str__(self) -> str:
        return self.redacted


def parse_camera_url(url: str) -> CameraUrl:
    """Validate a camera URL: rtsp, rtsps, http, https or file (a bare path means a file).

    Raises InvalidCameraUrl, whose message shows the URL redacted.
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidCameraUrl("the camera URL is empty")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidCameraUrl(f"the camera URL is longer than {MAX_URL_LENGTH} characters")
    if not _SCHEME.match(url):
        return _file_url(url, url)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidCameraUrl(f"not a URL: {_redact_unparsed(url)}") from exc
    has_stray_at = "@" in url.partition("://")[2] and "@" not in parts.netloc
    if has_stray_at and parts.scheme.lower() != FILE_SCHEME:
        # A password with a raw '/', '?' or '#' ends the host part early: the rest, password
        # included, would pass for a path (or a port) and be shown as it is.
        raise InvalidCameraUrl(
            "the camera URL has an '@' after its host: percent-encode '/', '?', '#' and '@' "
            f"in the user name or password (%2F, %3F, %23, %40): {_redact_unparsed(url)}"
        )
    redacted = _redact_parts(parts)
    if _FORBIDDEN.search(url):
        raise InvalidCameraUrl(f"the camera URL contains spaces or control characters: {redacted}")
    scheme = parts.scheme.lower()
    if scheme == FILE_SCHEME:
        if not parts.path:
            raise InvalidCameraUrl(f"a file URL needs a path: {redacted}")
        return _file_url(url, redacted)
    if scheme not in NETWORK_SCHEMES:
        allowed = ", ".join(sorted(NETWORK_SCHEMES | {FILE_SCHEME}))
        raise InvalidCameraUrl(f"unsupported scheme {scheme!r} (use {allowed}): {redacted}")
    if not parts.hostname:
        raise InvalidCameraUrl(f"the camera URL has no host: {redacted}")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidCameraUrl(f"the camera URL has an invalid port: {redacted}") from exc
    if port == 0:
        raise InvalidCameraUrl(f"the camera URL has an invalid port: {redacted}")
    return CameraUrl(raw=url, scheme=scheme, redacted=redacted, password=parts.password)


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, for logs, errors and metrics."""
    try:
        return _redact_parts(urlsplit(url))
    except ValueError:
        return _redact_unparsed(url)


def _file_url(raw: str, redacted: str) -> CameraUrl:
    if _CONTROL.search(raw):
        raise InvalidCameraUrl("the file path contains control characters")
    return CameraUrl(raw=raw, scheme=FILE_SCHEME, redacted=redacted)


def _redact_parts(parts: SplitResult) -> str:
    if parts.password is None:
        return parts.geturl()
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return parts._replace(netloc=f"{user}:{REDACTED}@{hostport}").geturl()


def _redact_unparsed(url: str) -> str:
    # Unparseable: drop everything between "://" and the last "@" rather than guess.
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = REDACTED + "@" + rest.rpartition("@")[2]
    return scheme + sep + rest
