"""Fixtures of the presence tests: real portraits of a few people, enrolled from other photos."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from recognizer.gallery import Gallery
from recognizer.images import load_image
from recognizer.templates import Template
from tests.ids import uid
from tests.recognizer.presence.scene import cut_face

# Person ids are `uid` of LFW names. Each enrolled person is enrolled from one photo and appears in
# the frames from another; the stranger is never enrolled.
ENROLLED = ("Ann_Veneman", "Grant_Hackett", "John_Manley")
STRANGER = "Gordon_Brown"


def cast_names() -> tuple[str, ...]:
    return (*ENROLLED, STRANGER)


@dataclass(frozen=True)
class Cast:
    templates: list[Template]
    cutouts: dict[UUID, np.ndarray]  # person id -> face cutout from a photo not enrolled


@pytest.fixture(scope="session")
def cast(analyzer: FaceAnalyzer, faces_dir: Path) -> Cast:
    photos = {name: sorted((faces_dir / "lfw" / name).glob("*.jpg")) for name in cast_names()}
    templates = []
    for name in ENROLLED:
        faces = analyzer.analyze([load_image(photos[name][0])])[0]
        face = max(faces, key=lambda f: f.quality.size_px)
        assert face.embedding is not None, f"{name}'s enrolment photo must be usable"
        templates.append(Template(uid(f"{name}-1"), uid(name), face.embedding))
    cutouts = {}
    for name in cast_names():
        cutouts[uid(name)] = cut_face(analyzer, load_image(photos[name][1]))
    return Cast(templates, cutouts)


@pytest.fixture
def gallery(cast: Cast) -> Gallery:
    """A fresh gallery per test: erasure tests remove people from it."""
    return Gallery.from_templates(RecognizerConfig(), cast.templates)
