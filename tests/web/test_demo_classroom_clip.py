"""The end-to-end tests' classroom clip: enrolled students recognisable in it from their other
photos, strangers not, each first seen when the clip says."""

from __future__ import annotations

import math
from pathlib import Path
from uuid import UUID

import av
import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from recognizer.gallery import Gallery
from recognizer.images import load_image
from recognizer.templates import Template
from tests.ids import uid
from tests.web.scenes import ClassroomClip, build_classroom_clip


@pytest.fixture(scope="module")
def clip(faces_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ClassroomClip:
    return build_classroom_clip(faces_dir, tmp_path_factory.mktemp("clip") / "class.mp4")


def test_students_are_enrolled_from_other_photos_than_the_clip_shows_and_strangers_never(
    clip: ClassroomClip,
) -> None:
    assert len(clip.students) == 3 and len(clip.strangers) == 2
    assert set(clip.enrolled) == set(clip.students)
    assert set(clip.shown) == set(clip.students) | set(clip.strangers)
    for identity, photos in clip.enrolled.items():
        assert len(photos) == 2 and all(photo.is_file() for photo in photos)
        assert clip.shown[identity] not in photos
    assert len(clip.absent) == 1 and set(clip.absent).isdisjoint(clip.shown)
    assert all(len(photos) == 2 for photos in clip.absent.values())
    assert set(clip.first_seen_s) == set(clip.shown)
    # People arrive in clear view, inside the frame: first seen on the first frame they are in.
    for actor in clip.actors:
        first_frame = math.ceil(actor.enter_s * clip.fps) / clip.fps
        assert clip.first_seen_s[actor.name] == pytest.approx(first_frame)
        assert 0.0 < first_frame < clip.seconds


def test_the_same_seed_picks_the_same_people_and_another_seed_others(
    clip: ClassroomClip, faces_dir: Path, tmp_path: Path
) -> None:
    again = build_classroom_clip(faces_dir, tmp_path / "again.mkv", seconds=6.0)
    other = build_classroom_clip(faces_dir, tmp_path / "other.mkv", seconds=6.0, seed=1)

    assert (again.students, again.strangers, again.absent) == (
        clip.students,
        clip.strangers,
        clip.absent,
    )
    assert set(other.students) != set(clip.students)


def test_each_student_is_recognised_where_and_when_the_clip_says_and_no_stranger_or_absentee(
    clip: ClassroomClip, analyzer: FaceAnalyzer
) -> None:
    templates = []
    for identity, photos in {**clip.enrolled, **clip.absent}.items():
        for photo in photos:
            faces = analyzer.analyze([load_image(photo)])[0]
            assert faces and faces[0].embedding is not None
            templates.append(Template(uid(str(photo)), uid(identity), faces[0].embedding))
    gallery = Gallery.from_templates(RecognizerConfig(), templates, analyzer.embedding_dim)
    with av.open(str(clip.path)) as container:
        frames = [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]
    assert len(frames) == clip.frames
    assert frames[0].shape == (clip.size[1], clip.size[0], 3)

    recognised: dict[str, UUID | None] = {}
    for actor in clip.actors:
        t = clip.first_seen_s[actor.name] + 0.3
        placement = actor.placement(t, clip.size)
        assert placement is not None and placement.inside(clip.size)
        faces = analyzer.analyze([frames[round(t * clip.fps)]])[0]
        inside = [
            face.embedding
            for face in faces
            if face.embedding is not None
            and placement.contains(
                float(face.bbox[0] + face.bbox[2]) / 2, float(face.bbox[1] + face.bbox[3]) / 2
            )
        ]
        assert len(inside) == 1, actor.name
        match = gallery.identify(np.stack(inside))[0]
        recognised[actor.name] = match.person_id if match.accepted else None

    assert recognised == {identity: uid(identity) for identity in clip.students} | {
        identity: None for identity in clip.strangers
    }
