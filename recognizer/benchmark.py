"""`rollcall bench recognizer`: speed of every stage on real photos, and index recall.

Measured in one run on the same frames and the same model files: detection by input size and
batch, embedding by batch, the whole pipeline against InsightFace's own `FaceAnalysis`
(interleaved, repeat by repeat, so machine noise hits both alike), exact roster search, and
the hnswlib index on face-like galleries of 10k and 100k templates (`recognizer.face_like`).
Timings are the median of repeated runs: the machines this runs on are shared and noisy.
"""

from __future__ import annotations

import csv
import logging
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np

from recognizer.alignment import align_face
from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from recognizer.detector import SCRFDDetector
from recognizer.embedder import ArcFaceEmbedder
from recognizer.errors import RecognizerError
from recognizer.evaluation import read_identities
from recognizer.face_like import face_like_gallery
from recognizer.gallery import hnsw_params
from recognizer.hnsw_index import TemplateIndex
from recognizer.images import load_image
from recognizer.model_pack import ModelPack, locate_model_pack
from recognizer.providers import choose_providers, open_session
from recognizer.roster import Roster
from recognizer.templates import Template

logger = logging.getLogger(__name__)

INSIGHTFACE_INSTALL = (
    "pip install --no-deps insightface && pip install onnx requests tqdm scikit-image"
)


@dataclass(frozen=True)
class BenchPlan:
    """How much to measure; `quick()` is a smoke run of every stage in seconds."""

    timing_frames: int = 16
    repeats: int = 3
    embedding_photos: int = 120
    det_sizes: tuple[int, ...] = (320, 480, 640)
    det_batches: tuple[int, ...] = (1, 4)
    embed_batches: tuple[int, ...] = (1, 8, 32)
    roster_people: tuple[int, ...] = (30, 500)
    roster_queries: int = 1000
    index_sizes: tuple[int, ...] = (10_000, 100_000)
    index_queries: int = 500

    @classmethod
    def quick(cls) -> BenchPlan:
        return cls(
            timing_frames=4,
            repeats=2,
            embedding_photos=12,
            det_sizes=(320, 640),
            embed_batches=(1, 8),
            roster_queries=50,
            index_sizes=(2_000,),
            index_queries=50,
        )


def run_benchmark(
    faces_dir: Path, config: RecognizerConfig, plan: BenchPlan, seed: int = 0
) -> dict[str, Any]:
    """Measure everything in `plan`; returns the JSON-ready result."""
    pack = locate_model_pack(config.model_pack)
    providers = choose_providers(config.providers, strict=config.strict_providers)
    det = open_session(pack.detector, providers, strict=config.strict_providers)
    rec = open_session(
        pack.recognizer, providers, strict=config.strict_providers, quiet_shape_warnings=True
    )
    frames = timing_frames(faces_dir, plan.timing_frames)

    def detector(size: int, batch: int) -> SCRFDDetector:
        return SCRFDDetector(
            det.session,
            pack.detector,
            input_size=(size, size),
            score_threshold=config.det_threshold,
            nms_threshold=config.nms_threshold,
            batch_size=batch,
            large_face_pass=config.large_face_pass,
        )

    detect_ms = {
        str(size): {
            str(batch): round(_detect_ms(detector(size, batch), frames, plan.repeats), 2)
            for batch in plan.det_batches
        }
        for size in plan.det_sizes
    }
    default = detector(config.det_size[0], config.det_batch_size)
    crops = [
        align_face(frame, d.landmarks)
        for frame, found in zip(frames, default.detect(frames), strict=True)
        for d in found
    ]
    embed_ms = {
        str(batch): _rounded(
            _embed_ms(ArcFaceEmbedder(rec.session, pack.recognizer, batch_size=batch), crops, plan)
        )
        for batch in plan.embed_batches
    }
    embedder = ArcFaceEmbedder(rec.session, pack.recognizer, batch_size=config.batch_size)
    pipelines = _pipeline_vs_faceanalysis(
        frames, default, detector(config.det_size[0], 1), embedder, pack, providers, config, plan
    )

    analyzer = FaceAnalyzer.from_config(config)
    real = real_embeddings(analyzer, faces_dir, plan.embedding_photos)
    rng = np.random.default_rng(seed)
    return {
        "provider": det.used[0],
        "providers": analyzer.providers,
        "pack": pack.name,
        "frames": len(frames),
        "faces": len(crops),
        "det_size": list(config.det_size),
        "large_face_pass": config.large_face_pass,
        "detect_ms": detect_ms.get(str(config.det_size[0]), {}).get("1"),
        "detect_ms_by_size_and_batch": detect_ms,
        "embed_ms_per_face": min((v for v in embed_ms.values() if v is not None), default=None),
        "embed_ms_per_face_by_batch": embed_ms,
        **pipelines,
        "real_embeddings": len(real),
        "roster_search_ms": {
            str(people): roster_latency(real, people, plan.roster_queries, rng)
            for people in plan.roster_people
        },
        "hnsw": {
            "m": config.hnsw_m,
            "ef_construction": config.hnsw_ef_construction,
            "ef": config.hnsw_ef,
        },
        "index": {
            str(size): index_figures(real, size, plan.index_queries, config, rng)
            for size in plan.index_sizes
        },
    }


def timing_frames(faces_dir: Path, count: int) -> list[np.ndarray]:
    """Classroom-like group photos first, then single portraits spread over labels.csv."""
    groups = [row["path"] for row in _csv_rows(faces_dir / "groups.csv")]
    portraits = [label.path for label in read_identities(faces_dir / "labels.csv")]
    chosen = groups[: (count + 1) // 2]
    rest = count - len(chosen)
    if rest > 0:
        chosen += portraits[:: max(1, len(portraits) // rest)][:rest]
    return [load_image(faces_dir / path) for path in chosen]


def real_embeddings(analyzer: FaceAnalyzer, faces_dir: Path, count: int) -> np.ndarray:
    """Usable face embeddings of `count` photos spread over labels.csv."""
    paths = [label.path for label in read_identities(faces_dir / "labels.csv")]
    paths = paths[:: max(1, len(paths) // count)][:count]
    found: list[np.ndarray] = []
    for start in range(0, len(paths), 8):
        frames = [load_image(faces_dir / path) for path in paths[start : start + 8]]
        found += [
            f.embedding
            for faces in analyzer.analyze(frames)
            for f in faces
            if f.embedding is not None  # what makes a face usable
        ]
    if not found:
        raise RecognizerError(f"no usable face in {len(paths)} photos of {faces_dir}")
    return np.stack(found)


def roster_latency(
    real: np.ndarray, people: int, queries: int, rng: np.random.Generator
) -> dict[str, float]:
    """One face against a class of `people` people with 5 templates each, exactly."""
    data = face_like_gallery(real, people * 5, queries, rng)
    roster = Roster(numbered_templates(data.person_of_template, data.templates))
    return _percentiles([_timed(partial(roster.search, q[None])) for q in data.probes])


def index_figures(
    real: np.ndarray, size: int, queries: int, config: RecognizerConfig, rng: np.random.Generator
) -> dict[str, float]:
    """Build time, one-face search latency and recall@1 against exact search."""
    data = face_like_gallery(real, size, queries, rng)
    templates = numbered_templates(data.person_of_template, data.templates)
    started = time.perf_counter()
    index = TemplateIndex.from_templates(templates, real.shape[1], hnsw_params(config))
    build_s = time.perf_counter() - started
    latency = _percentiles([_timed(partial(index.search, q[None])) for q in data.probes])
    exact = (data.probes @ data.templates.T).argmax(axis=1)
    nearest = index.nearest_templates(data.probes, k=1)
    found = np.array([hits[0].template_id.int if hits else -1 for hits in nearest])
    found_person = np.array([_number(c.person_id) for c in index.search(data.probes)])
    hit = found == exact
    enrolled = data.probe_person >= 0
    return {
        "build_s": round(build_s, 1),
        **latency,
        "recall_at_1": round(float(np.mean(hit)), 4),
        "recall_at_1_enrolled": round(float(np.mean(hit[enrolled])), 4),
        "recall_at_1_strangers": round(float(np.mean(hit[~enrolled])), 4),
        "person_recall_at_1": round(
            float(np.mean(found_person == data.person_of_template[exact])), 4
        ),
    }


def numbered_templates(person_of_template: np.ndarray, rows: np.ndarray) -> list[Template]:
    """Template n of person p, with ids `UUID(int=n)` and `UUID(int=p)`: the synthetic
    gallery numbers both, and `.int` turns a search's answer back into the number to score."""
    return [
        Template(UUID(int=n), UUID(int=int(p)), row)
        for n, (p, row) in enumerate(zip(person_of_template, rows, strict=True))
    ]


def _number(person_id: UUID | None) -> int:
    return -1 if person_id is None else person_id.int


def _pipeline_vs_faceanalysis(
    frames: Sequence[np.ndarray],
    batched: SCRFDDetector,
    single: SCRFDDetector,
    embedder: ArcFaceEmbedder,
    pack: ModelPack,
    providers: list[str],
    config: RecognizerConfig,
    plan: BenchPlan,
) -> dict[str, Any]:
    """Detection plus embedding of every face, ours (batched as deployed, and one frame at a
    time) and FaceAnalysis's, interleaved repeat by repeat on the same frames."""

    def ours(detector: SCRFDDetector) -> Callable[[], object]:
        def run() -> object:
            found = detector.detect(frames)
            crops = [
                align_face(frame, d.landmarks)
                for frame, faces in zip(frames, found, strict=True)
                for d in faces
            ]
            return embedder.embed(crops)

        return run

    runs: dict[str, Callable[[], object]] = {
        "rollcall_ms_per_frame": ours(batched),
        "rollcall_ms_per_frame_unbatched": ours(single),
    }
    result: dict[str, Any] = {"faceanalysis_ms_per_frame": None, "faceanalysis_error": None}
    with faceanalysis_reference(pack, providers, config) as reference:
        if isinstance(reference, str):
            result["faceanalysis_error"] = reference
        else:
            runs["faceanalysis_ms_per_frame"] = lambda: [reference.get(f) for f in frames]
        samples: dict[str, list[float]] = {name: [] for name in runs}
        for run in runs.values():
            run()  # warm-up: first runs allocate ONNX Runtime arenas
        for _ in range(plan.repeats):
            for name, run in runs.items():
                samples[name].append(_timed(run) / len(frames))
    for name, values in samples.items():
        result[name] = round(float(np.median(values)), 2)
    theirs = result["faceanalysis_ms_per_frame"]
    result["speedup_vs_faceanalysis"] = (
        round(theirs / result["rollcall_ms_per_frame"], 2) if theirs else None
    )
    result["speedup_vs_faceanalysis_unbatched"] = (
        round(theirs / result["rollcall_ms_per_frame_unbatched"], 2) if theirs else None
    )
    return result


@contextmanager
def faceanalysis_reference(
    pack: ModelPack, providers: list[str], config: RecognizerConfig
) -> Iterator[Any]:
    """InsightFace's FaceAnalysis on this pack's two files, or a message saying why not.

    The `insightface` package is a benchmark-only tool, never a dependency: it pulls in
    opencv-python beside opencv-python-headless, scikit-image, onnx and requests.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from insightface.app import FaceAnalysis
    except ImportError as error:
        message = (
            f"InsightFace's FaceAnalysis is not importable ({error}); to compare against it, "
            f"install it for the benchmark only: {INSIGHTFACE_INSTALL}"
        )
        logger.warning(message)
        yield message
        return
    with tempfile.TemporaryDirectory(prefix="rollcall-faceanalysis-") as root:
        # FaceAnalysis loads every .onnx in its folder: link exactly this pack's two files.
        folder = Path(root) / pack.name
        folder.mkdir()
        for model in (pack.detector, pack.recognizer):
            (folder / model.name).symlink_to(model.resolve())
        reference = FaceAnalysis(
            name=str(folder), allowed_modules=["detection", "recognition"], providers=providers
        )
        reference.prepare(ctx_id=0, det_thresh=config.det_threshold, det_size=config.det_size)
        with warnings.catch_warnings():
            # InsightFace's alignment calls a scikit-image API deprecated since 0.26.
            warnings.simplefilter("ignore", FutureWarning)
            yield reference


def _detect_ms(detector: SCRFDDetector, frames: Sequence[np.ndarray], repeats: int) -> float:
    detector.detect(frames[:1])  # warm-up for this input size
    return float(
        np.median([_timed(lambda: detector.detect(frames)) for _ in range(repeats)])
    ) / len(frames)


def _embed_ms(
    embedder: ArcFaceEmbedder, crops: Sequence[np.ndarray], plan: BenchPlan
) -> float | None:
    if not crops:
        return None
    # Exactly enough faces to fill the largest batch, so every batch size runs full batches.
    wanted = max(plan.embed_batches)
    faces = (list(crops) * (wanted // len(crops) + 1))[:wanted]
    embedder.embed(faces[: embedder.batch_size])
    runs = [_timed(lambda: embedder.embed(faces)) for _ in range(plan.repeats)]
    return float(np.median(runs)) / len(faces)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000.0


def _percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(samples_ms, 50)), 4),
        "p99_ms": round(float(np.percentile(samples_ms, 99)), 4),
    }


def _csv_rows(csv_path: Path) -> list[dict[str, str]]:
    try:
        with csv_path.open(newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as error:
        raise RecognizerError(f"{csv_path}: cannot read: {error.strerror or error}") from error
