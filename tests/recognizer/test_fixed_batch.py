"""A pack whose detector was exported with a fixed batch of one still takes several frames:
they run one by one, with the same faces as a dynamic-batch detector finds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from recognizer.model_pack import DEFAULT_DETECTOR, DEFAULT_RECOGNIZER, default_pack_folder


@pytest.fixture(scope="module")
def fixed_batch_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default pack with its detector's batch axis pinned to 1, as older exports have it."""
    folder = tmp_path_factory.mktemp("fixed-batch-pack")
    model = onnx.load(str(default_pack_folder() / DEFAULT_DETECTOR))
    for value in [*model.graph.input, *model.graph.output]:
        batch_axis = value.type.tensor_type.shape.dim[0]
        batch_axis.ClearField("dim_param")
        batch_axis.dim_value = 1
    onnx.save(model, str(folder / "det_fixed.onnx"))
    (folder / DEFAULT_RECOGNIZER).symlink_to(default_pack_folder() / DEFAULT_RECOGNIZER)
    return folder


def test_a_fixed_batch_detector_runs_frames_one_at_a_time_with_the_same_faces(
    fixed_batch_pack: Path,
    analyzer: FaceAnalyzer,
    group_photo: np.ndarray,
    portrait: np.ndarray,
) -> None:
    fixed = FaceAnalyzer.from_config(RecognizerConfig(model_pack=fixed_batch_pack))
    assert fixed.detector.batch_size == 1
    frames = [group_photo, portrait, group_photo[:, ::-1].copy()]
    for expected, found in zip(analyzer.detect(frames), fixed.detect(frames), strict=True):
        assert len(found) == len(expected)
        for a, b in zip(expected, found, strict=True):
            np.testing.assert_allclose(a.bbox, b.bbox, atol=1e-2)
            assert a.score == pytest.approx(b.score, abs=1e-4)
