"""The pages' scripts and styles, read once at start-up: only files that exist there are
served, so no request path ever reaches the file system."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
HTML_DIR = Path(__file__).parent / "html"

_CONTENT_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str


def load_assets(root: Path = STATIC_DIR) -> dict[str, Asset]:
    """Every servable file under `root`, by its URL path below /static/."""
    assets = {}
    for path in sorted(root.rglob("*")):
        content_type = _CONTENT_TYPES.get(path.suffix)
        if path.is_file() and content_type is not None:
            assets[path.relative_to(root).as_posix()] = Asset(path.read_bytes(), content_type)
    return assets
