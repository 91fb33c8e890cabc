"""The demo's video: its students and strangers taking their seats in a classroom."""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from pathlib import Path

from web.demo.cast import CastMember
from web.demo.config import DemoConfig
from web.demo.scene import Actor, write_scene
from web.demo.staging import stage_actors

logger = logging.getLogger(__name__)

# Bump when the staging or composition changes, so an old video on disk is not reused.
SCENE_VERSION = 1
_ROWS = 2


def demo_video_name(config: DemoConfig, model_pack: str) -> str:
    """A file name that changes whenever what the video would show changes (the model pack
    decides the face crops)."""
    recipe = repr(
        (
            SCENE_VERSION,
            model_pack,
            config.students,
            config.strangers,
            config.video_size,
            config.video_fps,
            config.video_seconds,
        )
    )
    return f"demo-classroom-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}.mp4"


def ensure_demo_video(
    data_dir: Path,
    students: Sequence[CastMember],
    strangers: Sequence[CastMember],
    config: DemoConfig,
    model_pack: str,
) -> Path:
    """The absolute path of the demo video in `data_dir`, written first if it is not there
    yet (a video from an earlier start with the same recipe is reused). Synchronous."""
    path = (data_dir / demo_video_name(config, model_pack)).resolve()
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        logger.info("writing the demo video", extra={"path": str(path)})
        write_demo_video(path, students, strangers, config)
    return path


def write_demo_video(
    path: Path,
    students: Sequence[CastMember],
    strangers: Sequence[CastMember],
    config: DemoConfig,
) -> Path:
    """Write the demo scene to `path`. Synchronous (composing and encoding take seconds):
    run it in a thread."""
    return write_scene(
        path,
        demo_actors(students, strangers, config),
        config.video_size,
        config.video_fps,
        seconds=config.video_seconds,
    )


def demo_actors(
    students: Sequence[CastMember], strangers: Sequence[CastMember], config: DemoConfig
) -> list[Actor]:
    """The demo's staging, each actor named by its cast member's key: students and
    strangers alternate in arriving, so every stretch of the video shows both."""
    people = [member for pair in zip(students, strangers, strict=False) for member in pair]
    shorter = min(len(students), len(strangers))
    people += list(students[shorter:]) + list(strangers[shorter:])
    # Crops are ~1.9 faces tall: at the smallest scale a face is ~1/7 of the frame's height,
    # ~100 px at 720p, well above the recogniser's 40 px gate.
    return stage_actors(
        [member.crop for member in people],
        seconds=config.video_seconds,
        columns=math.ceil(len(people) / _ROWS),
        rows=_ROWS,
        height=0.34,
        scale=(0.8, 1.25),
        names=[member.key for member in people],
    )
