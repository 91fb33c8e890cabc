"""The classroom scene composer: deterministic frames, faces where the actors are, occlusions
that hide, and H.264 files that hold the composed frames."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from recognizer.analyzer import FaceAnalyzer
from tests.web.scenes import head_of_lfw_photo
from web.demo.background import classroom_background
from web.demo.errors import DemoError
from web.demo.scene import (
    Actor,
    Occlusion,
    compose_frame,
    compose_scene,
    first_clear_view,
    write_scene,
)

SIZE = (640, 360)


@pytest.fixture(scope="module")
def heads(faces_dir: Path) -> list[np.ndarray]:
    """Head-and-shoulders images of two different LFW people."""
    return [
        head_of_lfw_photo(faces_dir / "lfw" / "Abel_Pacheco" / "Abel_Pacheco_0001.jpg"),
        head_of_lfw_photo(faces_dir / "lfw" / "Bernard_Law" / "Bernard_Law_0001.jpg"),
    ]


def two_actors(heads: list[np.ndarray]) -> list[Actor]:
    return [
        Actor(heads[0], 0.5, 3.0, start=(0.25, 0.5), end=(0.3, 0.45), height=0.5, name="a"),
        Actor(heads[1], 1.0, 3.0, start=(0.75, 0.5), scale=(0.8, 1.2), height=0.5, name="b"),
    ]


def face_centres(analyzer: FaceAnalyzer, frame: np.ndarray) -> list[tuple[float, float]]:
    faces = analyzer.analyze([frame])[0]
    return [
        (float(f.bbox[0] + f.bbox[2]) / 2, float(f.bbox[1] + f.bbox[3]) / 2)
        for f in faces
        if f.usable
    ]


def test_the_same_scene_composes_to_the_same_frames_and_another_seed_changes_the_backdrop(
    heads: list[np.ndarray],
) -> None:
    actors = two_actors(heads)
    first = list(compose_scene(actors, SIZE, 10, seconds=2.0, seed=3))
    again = list(compose_scene(actors, SIZE, 10, seconds=2.0, seed=3))
    other = list(compose_scene(actors, SIZE, 10, seconds=2.0, seed=4))

    assert len(first) == 20
    assert all(frame.shape == (360, 640, 3) and frame.dtype == np.uint8 for frame in first)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_an_actor_changes_the_frame_only_inside_its_placement_and_only_while_on_screen(
    heads: list[np.ndarray],
) -> None:
    background = classroom_background(*SIZE, seed=1)
    actor = Actor(heads[0], 1.0, 2.0, start=(0.3, 0.5), end=(0.6, 0.5), height=0.5)

    assert np.array_equal(compose_frame([actor], 0.9, background), background)
    assert np.array_equal(compose_frame([actor], 2.0, background), background)
    for t in (1.0, 1.5, 1.9):
        frame = compose_frame([actor], t, background)
        placement = actor.placement(t, SIZE)
        assert placement is not None
        changed_rows, changed_columns = np.nonzero(np.any(frame != background, axis=2))
        assert changed_rows.size > 0
        x1, y1, x2, y2 = placement.box
        assert changed_columns.min() >= x1 and changed_columns.max() < x2
        assert changed_rows.min() >= y1 and changed_rows.max() < y2
    start, end = actor.placement(1.0, SIZE), actor.placement(1.9, SIZE)
    assert start is not None and end is not None and end.left > start.left + 100  # it moved


def test_the_real_analyzer_finds_each_actor_s_face_inside_its_placement(
    heads: list[np.ndarray], analyzer: FaceAnalyzer
) -> None:
    actors = two_actors(heads)
    for t in (1.2, 2.5):
        frame = compose_frame(actors, t, classroom_background(*SIZE))
        centres = face_centres(analyzer, frame)
        placements = [actor.placement(t, SIZE) for actor in actors]

        assert len(centres) == 2
        for placement in placements:
            assert placement is not None
            assert sum(placement.contains(x, y) for x, y in centres) == 1


def test_the_scale_schedule_grows_the_face_the_analyzer_sees(
    heads: list[np.ndarray], analyzer: FaceAnalyzer
) -> None:
    actor = Actor(heads[0], 0.0, 4.0, height=0.45, scale=(0.8, 1.3))
    background = classroom_background(*SIZE)
    sizes = []
    for t in (0.0, 3.9):
        faces = analyzer.analyze([compose_frame([actor], t, background)])[0]
        assert len(faces) == 1 and faces[0].usable
        sizes.append(faces[0].quality.size_px)
    scale_at_end = 0.8 + (1.3 - 0.8) * 3.9 / 4.0
    assert sizes[1] / sizes[0] == pytest.approx(scale_at_end / 0.8, rel=0.1)


def test_an_occlusion_covers_its_box_in_its_colour_and_a_whole_one_hides_the_face(
    heads: list[np.ndarray], analyzer: FaceAnalyzer
) -> None:
    background = classroom_background(*SIZE)
    lower_half = Occlusion(1.0, 2.0, box=(0.0, 0.5, 1.0, 1.0), colour=(10, 200, 30))
    whole = Occlusion(2.0, 3.0, box=(0.0, 0.0, 1.0, 1.0))
    actor = Actor(heads[0], 0.0, 4.0, height=0.5, occlusions=(lower_half, whole))

    at_half = compose_frame([actor], 1.5, background)
    placement = actor.placement(1.5, SIZE)
    assert placement is not None
    x1, y1, x2, y2 = placement.box
    bar = at_half[y1 + placement.height // 2 + 1 : y2, x1:x2]
    assert np.all(bar == np.array([10, 200, 30], dtype=np.uint8))
    assert actor.occluded(1.5) and not actor.occluded(3.0)

    assert face_centres(analyzer, compose_frame([actor], 0.5, background)) != []
    assert face_centres(analyzer, compose_frame([actor], 2.5, background)) == []
    assert face_centres(analyzer, compose_frame([actor], 3.5, background)) != []


def test_the_first_clear_view_waits_until_an_actor_is_wholly_inside_and_unhidden(
    heads: list[np.ndarray],
) -> None:
    # Walks in from beyond the left edge; hidden while crossing the middle.
    walker = Actor(
        heads[0],
        1.0,
        5.0,
        start=(-0.2, 0.5),
        end=(0.8, 0.5),
        height=0.5,
        occlusions=(Occlusion(2.0, 2.5),),
    )
    seen = first_clear_view(walker, SIZE, fps=10)

    assert seen is not None and seen >= 2.5
    placement = walker.placement(seen, SIZE)
    assert placement is not None and placement.inside(SIZE)
    earlier = walker.placement(1.5, SIZE)
    assert earlier is not None and not earlier.inside(SIZE)
    always_hidden = Actor(heads[0], 0.0, 1.0, occlusions=(Occlusion(0.0, 1.0),))
    assert first_clear_view(always_hidden, SIZE, fps=10) is None


def test_a_written_scene_is_h264_holding_the_composed_frames(
    heads: list[np.ndarray], tmp_path: Path
) -> None:
    actors = two_actors(heads)
    path = write_scene(tmp_path / "scene.mp4", actors, SIZE, 10, seconds=3.0, seed=2)

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        decoded = [frame.to_ndarray(format="bgr24") for frame in container.decode(stream)]
    composed = list(compose_scene(actors, SIZE, 10, seconds=3.0, seed=2))
    assert len(decoded) == len(composed) == 30
    assert decoded[0].shape == (360, 640, 3)
    difference = np.abs(decoded[20].astype(np.int16) - composed[20].astype(np.int16))
    assert float(difference.mean()) < 4.0  # lossy, but the same picture
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.mp4"]  # nothing half-written


def test_scenes_refuse_what_cannot_be_composed_or_encoded(
    heads: list[np.ndarray], tmp_path: Path
) -> None:
    actor = Actor(heads[0], 0.0, 1.0)
    with pytest.raises(DemoError, match="even width and height"):
        write_scene(tmp_path / "odd.mp4", [actor], (641, 360), 10, seconds=1.0)
    with pytest.raises(DemoError, match=r"\.mp4 or \.mkv"):
        write_scene(tmp_path / "scene.avi", [actor], SIZE, 10, seconds=1.0)
    with pytest.raises(DemoError, match="leave after entering"):
        Actor(heads[0], 2.0, 1.0)
    with pytest.raises(DemoError, match="HxWx3 uint8"):
        Actor(np.zeros((50, 50), dtype=np.uint8), 0.0, 1.0)
    with pytest.raises(DemoError, match="end after it starts"):
        Occlusion(1.0, 1.0)
    with pytest.raises(DemoError, match="background must be"):
        list(compose_scene([actor], SIZE, 10, seconds=0.1, background=np.zeros((10, 10, 3))))
