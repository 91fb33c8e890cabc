"""The demo's settings refuse what the demo photos or the video encoder cannot give."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from web.demo.config import DemoConfig


def test_the_default_demo_is_a_720p_video_of_six_students_and_four_strangers() -> None:
    config = DemoConfig()
    assert (config.students, config.strangers) == (6, 4)
    assert config.video_size == (1280, 720)


def test_more_people_than_the_photos_hold_are_refused() -> None:
    with pytest.raises(ValidationError, match="hold 12 usable faces"):
        DemoConfig(students=8, strangers=5)


def test_an_odd_video_size_is_refused() -> None:
    with pytest.raises(ValidationError, match="multiple of 2"):
        DemoConfig(video_width=1281)
