"""The `rollcall` command line: every package's commands under one entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.cli import build_parser, main


def test_every_documented_command_is_registered() -> None:
    parser = build_parser()
    for command in (
        ["evaluate", "detection", "--boxes", "b.csv"],
        ["evaluate", "verification", "--pairs", "p.csv"],
        ["evaluate", "identification", "--labels", "l.csv"],
        ["bench", "recognizer"],
        ["bench", "store"],
        ["bench", "streamer"],
        ["db", "migrate"],
        ["db", "status"],
    ):
        assert callable(parser.parse_args(command).func), command


def test_invalid_settings_from_the_environment_are_named_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROLLCALL_RECOGNIZER__DET_SIZE", "[100,100]")
    code = main(["evaluate", "detection", "--boxes", str(tmp_path / "boxes.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "invalid settings" in err and "det_size" in err
    assert "Traceback" not in err


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["teleport"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
