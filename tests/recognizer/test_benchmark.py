"""`rollcall bench recognizer --quick`: every stage runs on real photos and reports its figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from recognizer.benchmark import faceanalysis_reference
from recognizer.config import RecognizerConfig
from recognizer.face_like import face_like_gallery
from recognizer.model_pack import locate_model_pack
from web.cli import main


def test_quick_bench_reports_every_figure_as_json(
    faces_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "recognizer", "--quick", "--faces", str(faces_dir)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    assert result["provider"].endswith("ExecutionProvider")
    for key in ("detect_ms", "embed_ms_per_face", "rollcall_ms_per_frame"):
        assert isinstance(result[key], float) and result[key] > 0
    assert result["faces"] >= result["frames"] > 0
    assert set(result["detect_ms_by_size_and_batch"]) == {"320", "640"}
    if result["faceanalysis_error"] is None:  # InsightFace installed for benchmarking
        assert result["faceanalysis_ms_per_frame"] > 0
        assert result["speedup_vs_faceanalysis"] == pytest.approx(
            result["faceanalysis_ms_per_frame"] / result["rollcall_ms_per_frame"], rel=0.02
        )
    else:
        assert "pip install --no-deps insightface" in result["faceanalysis_error"]
        assert result["speedup_vs_faceanalysis"] is None
    for people in ("30", "500"):
        latency = result["roster_search_ms"][people]
        assert 0 < latency["p50_ms"] <= latency["p99_ms"]
    (index,) = result["index"].values()
    assert 0.9 <= index["recall_at_1"] <= 1.0 and 0.9 <= index["person_recall_at_1"] <= 1.0
    assert result["hnsw"]["m"] >= 32


def test_face_like_galleries_resemble_real_face_similarities() -> None:
    rng = np.random.default_rng(0)
    real = rng.normal(size=(50, 512))
    data = face_like_gallery(real, templates=1000, probes=200, rng=rng)
    assert data.templates.shape == (1000, 512) and data.probes.shape == (200, 512)
    person = data.person_of_template
    same = [
        float(data.templates[i] @ data.templates[j])
        for i in range(50)
        for j in range(i + 1, 1000)
        if person[i] == person[j]
    ]
    different = data.templates[:100] @ data.templates[100:200].T
    assert 0.5 < float(np.median(same)) < 0.75
    assert abs(float(np.median(different))) < 0.05
    assert (data.probe_person[:100] >= 0).all() and (data.probe_person[100:] == -1).all()


def test_without_insightface_the_bench_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The package is a benchmark-only tool, so its absence must be a clear message, not a crash.
    monkeypatch.setitem(sys.modules, "insightface", None)
    monkeypatch.setitem(sys.modules, "insightface.app", None)
    pack = locate_model_pack(None)
    with faceanalysis_reference(pack, ["CPUExecutionProvider"], RecognizerConfig()) as reference:
        assert isinstance(reference, str)
        assert "pip install --no-deps insightface" in reference


def test_a_missing_photo_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "recognizer", "--quick", "--faces", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err
