"""RecognizerConfig refuses values that would only fail later, deep inside a library."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from recognizer.config import RecognizerConfig


@pytest.mark.parametrize(
    "setting", [{"hnsw_m": 0}, {"hnsw_m": -4}, {"hnsw_ef_construction": 0}, {"hnsw_ef": 0}]
)
def test_index_parameters_hnswlib_cannot_use_are_refused_at_start_up(
    setting: dict[str, int],
) -> None:
    with pytest.raises(ValidationError, match=next(iter(setting))):
        RecognizerConfig(**setting)


def test_unknown_settings_are_refused_rather_than_ignored() -> None:
    with pytest.raises(ValidationError, match="match_treshold"):
        RecognizerConfig(match_treshold=0.4)
