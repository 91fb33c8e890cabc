"""ONNX Runtime execution providers: choose them, open sessions, and catch silent CPU fallback."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort
from platformdirs import user_cache_path

from recognizer.errors import ModelPackError, ProviderError

logger = logging.getLogger(__name__)

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"

# Preference order when nothing is configured: GPU first, CPU always last as the safety net.
_AUTO_ORDER = (TENSORRT, CUDA)


def choose_providers(requested: list[str] | None, *, strict: bool) -> list[str]:
    """The provider list to ask ONNX Runtime for.

    None means automatic: TensorRT and CUDA when this onnxruntime build offers them, then CPU.
    Asked-for providers this build lacks are dropped with a warning, or refused when strict.
    """
    available = ort.get_available_providers()
    if requested is None:
        return [name for name in _AUTO_ORDER if name in available] + [CPU]
    missing = [name for name in requested if name not in available]
    if missing:
        message = (
            f"execution provider(s) {missing} not offered by this onnxruntime build "
            f"(available: {available}); install rollcall[gpu] for CUDA/TensorRT"
        )
        if strict:
            raise ProviderError(message)
        logger.warning(message)
    chosen = list(dict.fromkeys(name for name in requested if name in available))
    return chosen or [CPU]


@dataclass(frozen=True)
class OpenedSession:
    session: ort.InferenceSession
    requested: tuple[str, ...]
    used: tuple[str, ...]


def open_session(
    path: Path,
    providers: list[str],
    *,
    strict: bool,
    quiet_shape_warnings: bool = False,
) -> OpenedSession:
    """Open an ONNX Runtime session on `providers` and check which ones really took the model.

    ONNX Runtime drops CUDA/TensorRT without an error when their libraries fail to load; the
    only trace is `get_providers()`. A missing GPU provider is logged, or raised when strict.
    """
    options = ort.SessionOptions()
    # The analyzer shares the CPU with frame decoding and the web server; ONNX Runtime's
    # default spin-waiting workers burn those cores between runs (measured on 2 busy cores:
    # 104 -> 88 ms per detected frame with spinning off).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if quiet_shape_warnings:
        # Some recognizer files (w600k_mbf.onnx) declare a fixed output batch of 1 although
        # the graph is batch-dynamic, and ONNX Runtime then warns on every batched run.
        # Rewriting the declared shape needs the `onnx` package (protobuf and ~15 MB) for one
        # integer; raising this session's log level to ERROR silences only that noise, while
        # provider fallback is still caught below from get_providers(), not from ORT's logs.
        options.log_severity_level = 3
    try:
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=_with_options(providers)
        )
    except Exception as error:  # onnxruntime raises several unrelated types for bad files
        raise ModelPackError(f"cannot load ONNX model {path}: {error}") from error
    used = tuple(session.get_providers())
    lost = [name for name in providers if name != CPU and name not in used]
    if lost:
        message = (
            f"{path.name}: asked for {providers} but ONNX Runtime runs it on {list(used)} "
            f"(the {lost} libraries did not load: check CUDA/cuDNN/TensorRT versions)"
        )
        # onnxruntime-gpu offers TensorRT whether or not TensorRT is installed, so the automatic
        # [TensorRT, CUDA, CPU] loses TensorRT on most CUDA hosts: still on the GPU, not a
        # fallback. Strict mode refuses only a model that ends up on the CPU alone.
        if strict and fell_back_to_cpu(providers, used):
            raise ProviderError(message)
        logger.warning(message, extra={"model": path.name, "used_providers": list(used)})
    else:
        logger.info(
            "model %s runs on %s",
            path.name,
            list(used),
            extra={"model": path.name, "used_providers": list(used)},
        )
    return OpenedSession(session=session, requested=tuple(providers), used=used)


def fell_back_to_cpu(requested: list[str], used: tuple[str, ...]) -> bool:
    """True when some accelerator was asked for but the model runs on none of them."""
    return any(name != CPU for name in requested) and all(name == CPU for name in used)


def _with_options(providers: list[str]) -> list[str | tuple[str, dict[str, object]]]:
    # TensorRT builds an engine per input shape, minutes each: keep them across restarts.
    cache = user_cache_path("rollcall") / "tensorrt"
    if TENSORRT in providers:
        cache.mkdir(parents=True, exist_ok=True)
    return [
        (name, {"trt_engine_cache_enable": True, "trt_engine_cache_path": str(cache)})
        if name == TENSORRT
        else name
        for name in providers
    ]
