"""Execution providers: automatic choice, explicit override, and silent fallback caught."""

from __future__ import annotations

import logging

import onnxruntime as ort
import pytest

from recognizer.analyzer import FaceAnalyzer
from recognizer.errors import ProviderError
from recognizer.model_pack import locate_model_pack
from recognizer.providers import (
    CPU,
    CUDA,
    TENSORRT,
    choose_providers,
    fell_back_to_cpu,
    open_session,
)


def test_automatic_choice_prefers_gpu_providers_this_build_has_and_ends_with_cpu() -> None:
    chosen = choose_providers(None, strict=False)
    available = ort.get_available_providers()
    assert chosen[-1] == CPU
    assert all(name in available for name in chosen)
    if CUDA in available:
        assert CUDA in chosen


def test_an_explicit_list_is_kept_in_its_order() -> None:
    assert choose_providers([CPU], strict=True) == [CPU]


@pytest.mark.skipif(CUDA in ort.get_available_providers(), reason="needs a CPU-only build")
def test_an_unavailable_provider_is_dropped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="recognizer.providers"):
        assert choose_providers([CUDA, CPU], strict=False) == [CPU]
    assert "CUDAExecutionProvider" in caplog.text and "not offered" in caplog.text


@pytest.mark.skipif(CUDA in ort.get_available_providers(), reason="needs a CPU-only build")
def test_an_unavailable_provider_is_refused_when_strict() -> None:
    with pytest.raises(ProviderError, match="rollcall\\[gpu\\]"):
        choose_providers([CUDA, CPU], strict=True)


@pytest.mark.skipif(CUDA in ort.get_available_providers(), reason="needs CUDA to fail to load")
@pytest.mark.filterwarnings("ignore:Specified provider:UserWarning")
def test_a_session_that_silently_runs_on_cpu_is_caught_and_refused_when_strict(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Handed straight to ONNX Runtime, CUDA is dropped without an error: the session must
    # still report where the model really runs.
    detector = locate_model_pack(None).detector
    with caplog.at_level(logging.WARNING, logger="recognizer.providers"):
        opened = open_session(detector, [CUDA, CPU], strict=False)
    assert opened.used == (CPU,)
    assert "runs it on ['CPUExecutionProvider']" in caplog.text
    with pytest.raises(ProviderError, match=r"scrfd_500m_bnkps\.onnx: asked for"):
        open_session(detector, [CUDA, CPU], strict=True)


def test_the_analyzer_reports_the_providers_each_model_really_uses(
    analyzer: FaceAnalyzer,
) -> None:
    providers = analyzer.providers
    assert set(providers) == {"scrfd_500m_bnkps.onnx", "w600k_mbf.onnx"}
    assert all(used and used[-1] == CPU for used in providers.values())


def test_only_a_model_left_on_the_cpu_alone_counts_as_a_fallback() -> None:
    # onnxruntime-gpu offers TensorRT even where TensorRT is not installed; a model that then
    # runs on CUDA is still on the GPU, and strict mode must not refuse to start for it.
    assert fell_back_to_cpu([TENSORRT, CUDA, CPU], (CPU,))
    assert fell_back_to_cpu([CUDA], (CPU,))
    assert not fell_back_to_cpu([TENSORRT, CUDA, CPU], (CUDA, CPU))
    assert not fell_back_to_cpu([CPU], (CPU,))
