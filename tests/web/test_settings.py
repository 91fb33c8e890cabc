"""Settings come from ROLLCALL_ variables (nested with __), DATABASE_URL and are validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from web.settings import Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env file
    for name in ("DATABASE_URL", "ROLLCALL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_no_configuration() -> None:
    settings = Settings()
    assert settings.store.embedded
    assert settings.recognizer.model_pack is None
    assert settings.streamer.ice_servers == []


def test_nested_variables_reach_each_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLCALL_RECOGNIZER__MATCH_THRESHOLD", "0.55")
    monkeypatch.setenv("ROLLCALL_STREAMER__ANALYSIS_FPS", "3")
    monkeypatch.setenv("ROLLCALL_STORE__POOL_MAX_SIZE", "4")
    settings = Settings()
    assert settings.recognizer.match_threshold == pytest.approx(0.55)
    assert settings.streamer.analysis_fps == pytest.approx(3.0)
    assert settings.store.pool_max_size == 4


def test_plain_database_url_selects_an_external_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:secret@db.example:5432/rollcall")
    settings = Settings()
    assert not settings.store.embedded
    assert settings.store.database_url == "postgresql://app:secret@db.example:5432/rollcall"
    assert "secret" not in repr(settings)


def test_dotenv_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("ROLLCALL_RECOGNIZER__DET_SIZE=[320,320]\n")
    assert Settings().recognizer.det_size == (320, 320)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ROLLCALL_RECOGNIZER__DET_SIZE", "[100,100]"),
        ("ROLLCALL_RECOGNIZER__MATCH_THRESHOLD", "two"),
        ("ROLLCALL_STREAMER__ANALYSIS_FPS", "-1"),
        ("ROLLCALL_STORE__POOL_MAX_SIZE", "0"),
    ],
)
def test_invalid_values_are_refused_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as raised:
        Settings()
    field = name.removeprefix("ROLLCALL_").split("__")[-1].lower()
    assert field in str(raised.value)
