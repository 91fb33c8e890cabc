"""The naive way, for comparison: InsightFace's FaceAnalysis detecting and recognising every
face of every analysed frame, each frame judged on its own.

It runs on an even sample of the same analysed frames that the presence path saw, so the
faces per frame (an empty room at the start, the full class later) are the same mix, and
reports its CPU per frame and who it would have found: a student counts once any face of
any frame is nearest to them at the default threshold, the optimistic reading that a
per-frame recogniser without tracking, votes or an open-set margin gets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recognizer.benchmark import faceanalysis_reference
from recognizer.config import RecognizerConfig
from recognizer.model_pack import locate_model_pack
from recognizer.providers import choose_providers
from web.evaluation.class_files import ClassTruth, Role
from web.evaluation.video_run import RunTally, analysed_frames


@dataclass(frozen=True)
class NaiveReport:
    frames: int
    cpu_ms_per_frame: float
    faces_per_frame: float
    students_found: int
    wrong_found: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "naive_frames": self.frames,
            "naive_cpu_ms_per_frame": self.cpu_ms_per_frame,
            "naive_faces_per_frame": self.faces_per_frame,
            "naive_students_found": self.students_found,
            "naive_wrong_found": self.wrong_found,
        }


def run_naive(
    video: Path,
    truth: ClassTruth,
    templates: dict[str, np.ndarray],
    config: RecognizerConfig,
    analysis_fps: float | None,
    samples: int,
) -> NaiveReport | str:
    """FaceAnalysis on `samples` analysed frames spread over the video; `templates` maps each
    enrolled identity to its (n, dim) enrolment embeddings. A string says why it could not run
    (InsightFace is a benchmark-only tool)."""
    frames = list(analysed_frames(video, analysis_fps, None, RunTally()))
    step = max(1, len(frames) // max(1, samples))
    chosen = [f.image for f in frames[::step]][:samples]
    names = list(templates)
    gallery = np.concatenate([templates[n] for n in names])
    owner = [n for n in names for _ in range(len(templates[n]))]
    pack = locate_model_pack(config.model_pack)
    providers = choose_providers(config.providers, strict=config.strict_providers)
    with faceanalysis_reference(pack, providers, config) as reference:
        if isinstance(reference, str):
            return reference
        reference.get(chosen[0])  # warm-up: the first run allocates ONNX Runtime's arenas
        found: set[str] = set()
        faces = 0
        started = time.process_time()
        for image in chosen:
            for face in reference.get(image):
                faces += 1
                scores = gallery @ face.normed_embedding
                best = int(np.argmax(scores))
                if scores[best] >= config.match_threshold:
                    found.add(owner[best])
        cpu = time.process_time() - started
    students = {e.identity for e in truth.with_role(Role.STUDENT)}
    return NaiveReport(
        frames=len(chosen),
        cpu_ms_per_frame=round(1000 * cpu / len(chosen), 1),
        faces_per_frame=round(faces / len(chosen), 2),
        students_found=len(found & students),
        wrong_found=sorted(found - students),
    )
