"""`rollcall evaluate video`: a labelled video through the service's own presence path.

The same engine, tracker, vote and decision rule as `rollcall serve`, built from the same
settings, with the video's clock standing in for the camera's: frames are decoded and picked
at the analysis rate by the streamer's own rate limiter on their timestamps (as a file or RTSP
camera's feed picks them), converted as the camera's decoder converts them, and handed to the
engine one batch per analysed frame, as the analysis loop hands a lone camera's newest frame.
Nothing waits for real time, so a minute of video takes as long as its analysis does.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import numpy as np

from recognizer.analyzer import FaceAnalyzer
from recognizer.gallery import Gallery
from recognizer.presence.context import ClassContext
from recognizer.presence.engine import PresenceEngine
from recognizer.presence.events import PersonPresent, PresenceEvent, UnknownFace
from recognizer.presence.frame import CameraFrame
from recognizer.templates import Template
from streamer.decode import to_bgr
from streamer.rate import RateLimiter
from web.domain.enrolment import PhotoFile, PhotoRefused, PhotoRules, find_enrolment_face
from web.evaluation.class_files import ClassFileError, ClassTruth, read_class
from web.evaluation.outcome import Mark, Outcome, score_marks
from web.live.runtime import presence_config
from web.settings import Settings

# Video time 0 is this wall-clock instant: events carry aware datetimes, and a fixed origin
# keeps two runs' reports comparable. The session starts with the video and nobody is late
# within an hour, so "present" and "late" both mean marked.
_ORIGIN = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
_LATE_AFTER = timedelta(hours=1)
_CAMERA = uuid.uuid5(uuid.NAMESPACE_URL, "rollcall:evaluation-camera")


@dataclass(frozen=True)
class VideoFrame:
    image: np.ndarray
    at_s: float  # video time


@dataclass
class RunTally:
    """What the run counted besides the marks."""

    frames: int = 0
    faces: int = 0
    embeddings: int = 0
    engine_cpu_s: float = 0.0
    decode_cpu_s: float = 0.0
    video_seconds: float = 0.0
    unknown_tracks: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class VideoReport:
    outcome: Outcome
    marks: list[Mark]
    tally: RunTally
    analysis_fps: float | None  # None: every frame
    enrolled_photos: int
    refused_photos: list[str]
    settings: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        tally, outcome = self.tally, self.outcome
        frames = max(tally.frames, 1)
        result = {k: v for k, v in asdict(outcome).items() if k != "latencies_s"}
        result.update(
            unknown_faces=len(tally.unknown_tracks),
            frames=tally.frames,
            video_seconds=round(tally.video_seconds, 2),
            cpu_ms_per_frame=round(1000 * tally.engine_cpu_s / frames, 1),
            decode_cpu_ms_per_frame=round(1000 * tally.decode_cpu_s / frames, 1),
            faces_per_frame=round(tally.faces / frames, 2),
            embeddings_per_frame=round(tally.embeddings / frames, 2),
            analysis_fps=self.analysis_fps,
            enrolled_photos=self.enrolled_photos,
            refused_photos=self.refused_photos,
            latencies_s=outcome.latencies_s,
            marks=[asdict(m) for m in self.marks],
            settings=self.settings,
        )
        return result


def evaluate_video(
    video: Path,
    roster_csv: Path,
    expected_csv: Path,
    settings: Settings,
    analysis_fps: float | None = None,
    analyzer: FaceAnalyzer | None = None,
) -> VideoReport:
    """Run the whole video through a fresh engine and score its marks. Synchronous."""
    truth = read_class(roster_csv, expected_csv)
    analyzer = analyzer or FaceAnalyzer.from_config(settings.recognizer)
    enrolled = enrol_class(analyzer, truth, settings)
    names = enrolled.names
    engine = PresenceEngine(analyzer, enrolled.gallery, presence_config(settings))
    engine.set_context(
        _CAMERA,
        ClassContext(
            session_id=uuid.uuid4(),
            roster=frozenset(names),
            late_after=_ORIGIN + _LATE_AFTER,
            starts_at=_ORIGIN,
        ),
    )
    fps = analysis_fps if analysis_fps is not None else settings.streamer.analysis_fps
    marks, tally = _play(engine, video, fps, settings.streamer.downscale_width, names)
    return VideoReport(
        outcome=score_marks(truth, marks),
        marks=marks,
        tally=tally,
        analysis_fps=fps,
        enrolled_photos=len(truth.enrolments) - len(enrolled.refused),
        refused_photos=enrolled.refused,
        settings={
            "recognizer": settings.recognizer.model_dump(mode="json"),
            "presence": presence_config(settings).model_dump(mode="json"),
            "downscale_width": settings.streamer.downscale_width,
        },
    )


@dataclass(frozen=True)
class EnrolledClass:
    gallery: Gallery
    names: dict[uuid.UUID, str]  # person id -> identity
    templates: dict[str, np.ndarray]  # identity -> (n, dim) enrolment embeddings
    refused: list[str]  # photos the service would refuse, and why


def enrol_class(analyzer: FaceAnalyzer, truth: ClassTruth, settings: Settings) -> EnrolledClass:
    """The gallery of the roster's photos, enrolled by the service's own photo rule (a photo
    it would refuse is left out and reported)."""
    # the class files name people; the engine takes ids: one made from each name
    ids = {identity: uuid.uuid5(uuid.NAMESPACE_URL, identity) for identity in truth.enrolled}
    templates: list[Template] = []
    by_identity: dict[str, list[np.ndarray]] = {}
    refused = []
    for index, enrolment in enumerate(truth.enrolments):
        try:
            face = find_enrolment_face(analyzer, PhotoFile(enrolment.photo), PhotoRules())
        except PhotoRefused as error:
            refused.append(f"{enrolment.photo}: {error.message}")
            continue
        templates.append(Template(uuid.UUID(int=index), ids[enrolment.identity], face.embedding))
        by_identity.setdefault(enrolment.identity, []).append(face.embedding)
    return EnrolledClass(
        gallery=Gallery.from_templates(settings.recognizer, templates, analyzer.embedding_dim),
        names={person: identity for identity, person in ids.items()},
        templates={identity: np.stack(rows) for identity, rows in by_identity.items()},
        refused=refused,
    )


def _play(
    engine: PresenceEngine,
    video: Path,
    fps: float | None,
    downscale_width: int | None,
    names: dict[uuid.UUID, str],
) -> tuple[list[Mark], RunTally]:
    tally = RunTally()
    marks: list[Mark] = []
    frames = analysed_frames(video, fps, downscale_width, tally)
    for frame in frames:
        started = time.process_time()
        update = engine.process(
            [CameraFrame(_CAMERA, frame.image, _ORIGIN + timedelta(seconds=frame.at_s), frame.at_s)]
        )
        tally.engine_cpu_s += time.process_time() - started
        tally.frames += 1
        tally.faces += update.stats.faces_detected
        tally.embeddings += update.stats.embeddings
        marks.extend(_marks(update.events, names, tally))
    return marks, tally


def _marks(events: list[PresenceEvent], names: dict[uuid.UUID, str], tally: RunTally) -> list[Mark]:
    marks = []
    for event in events:
        if isinstance(event, PersonPresent):
            at_s = event.captured_monotonic
            marks.append(Mark(names[event.person_id], event.status, at_s, event.score))
        elif isinstance(event, UnknownFace) and event.session_id is not None:
            tally.unknown_tracks.add(event.track_id)
    return marks


def analysed_frames(
    video: Path, fps: float | None, downscale_width: int | None, tally: RunTally
) -> Iterator[VideoFrame]:
    """The frames a camera feed at `fps` would hand out, by their timestamps."""
    limiter = RateLimiter(fps)
    try:
        with av.open(str(video)) as container:
            if not container.streams.video:
                raise ClassFileError(f"{video} has no video stream")
            stream = container.streams.video[0]
            interval = 1.0 / float(stream.average_rate or 25)
            first: float | None = None
            decoding = time.process_time()
            for index, picture in enumerate(container.decode(stream)):
                stamp = picture.time if picture.time is not None else index * interval
                first = stamp if first is None else first
                at_s = stamp - first
                tally.video_seconds = at_s + interval
                if limiter.allow(at_s):
                    image = to_bgr(picture, downscale_width)
                    tally.decode_cpu_s += time.process_time() - decoding
                    yield VideoFrame(image, at_s)
                    decoding = time.process_time()
    except (av.FFmpegError, OSError) as error:
        raise ClassFileError(f"cannot read the video {video}: {error}") from None
