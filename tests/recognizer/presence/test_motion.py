"""The motion gate: a still view, or people moving where they sit, is no reason to scan;
something moving anywhere else is."""

from __future__ import annotations

import numpy as np

from recognizer.presence.motion import moved_outside, thumbnail

WIDTH, HEIGHT = 1280, 720
FACE = np.array([600.0, 200.0, 640.0, 240.0])  # a 40 px face being followed


def room(seed: int = 3) -> np.ndarray:
    """A textured still room: noise that the blur and the level must not take for motion."""
    rng = np.random.default_rng(seed)
    base = np.full((HEIGHT, WIDTH, 3), 120, np.uint8)
    return np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)


def with_block(image: np.ndarray, x: int, y: int, side: int = 60) -> np.ndarray:
    changed = image.copy()
    changed[y : y + side, x : x + side] = 230
    return changed


def test_the_same_view_with_fresh_sensor_noise_has_not_moved() -> None:
    assert not moved_outside(thumbnail(room(1)), thumbnail(room(2)), [FACE], WIDTH)


def test_someone_walking_in_by_the_door_has_moved() -> None:
    before = room(1)
    assert moved_outside(thumbnail(before), thumbnail(with_block(before, 100, 400)), [], WIDTH)


def test_a_followed_student_leaning_and_gesturing_at_their_desk_has_not_moved() -> None:
    before = room(1)
    # shoulders and a hand, within the body below the followed face
    after = with_block(with_block(before, 590, 260, 50), 650, 300, 40)
    assert not moved_outside(thumbnail(before), thumbnail(after), [FACE], WIDTH)
    # the same change with nobody followed there is movement
    assert moved_outside(thumbnail(before), thumbnail(after), [], WIDTH)


def test_a_camera_that_changed_its_resolution_has_moved() -> None:
    small = np.full((480, 640, 3), 120, np.uint8)
    assert moved_outside(thumbnail(room()), thumbnail(small), [], WIDTH)
