"""`rollcall evaluate detection|verification|identification`: one JSON object as last line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from web.cli import main


def _last_json(capsys: pytest.CaptureFixture[str]) -> dict:
    lines = capsys.readouterr().out.strip().splitlines()
    return json.loads(lines[-1])


def test_evaluate_detection_prints_recall_precision_and_missed(
    faces_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", "detection", "--boxes", str(faces_dir / "face_boxes.csv")]) == 0
    result = _last_json(capsys)
    assert {"recall", "precision", "missed"} <= result.keys()
    assert result["recall"] >= 0.9


def test_evaluate_verification_prints_its_keys(
    faces_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A small CSV with absolute paths keeps this a test of the command, not of the dataset.
    photo = faces_dir / "deepface"
    csv = tmp_path / "pairs.csv"
    csv.write_text(
        "path_a,path_b,same\n"
        f"{photo / 'img1.jpg'},{photo / 'img2.jpg'},1\n"
        f"{photo / 'img1.jpg'},{photo / 'img12.jpg'},0\n"
    )
    assert main(["evaluate", "verification", "--pairs", str(csv)]) == 0
    result = _last_json(capsys)
    keys = {"accuracy", "best_accuracy", "best_threshold", "tar_at_far_1e-3", "no_face"}
    assert keys <= result.keys()
    assert result["accuracy"] == 1.0 and result["no_face"] == 0


def test_evaluate_identification_prints_its_keys(
    faces_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = faces_dir / "deepface"
    csv = tmp_path / "labels.csv"
    csv.write_text(
        "path,identity\n"
        f"{photo / 'img1.jpg'},Angelina_Jolie\n"
        f"{photo / 'img2.jpg'},Angelina_Jolie\n"
        f"{photo / 'img12.jpg'},Jennifer_Aniston\n"
    )
    assert main(["evaluate", "identification", "--labels", str(csv)]) == 0
    result = _last_json(capsys)
    keys = {"rank1", "accepted_correct", "stranger_false_accept", "enrolled", "probes"}
    assert keys | {"strangers"} <= result.keys()
    assert (result["enrolled"], result["probes"], result["strangers"]) == (1, 1, 1)
    assert result["stranger_false_accept"] == 0.0


def test_a_bad_csv_is_one_clear_error_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "boxes.csv"
    csv.write_text("path,x,y\n")
    assert main(["evaluate", "detection", "--boxes", str(csv)]) == 2
    assert "missing column(s)" in capsys.readouterr().err


def test_providers_may_be_listed_with_spaces_after_the_commas(
    faces_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Strict, so a provider name mangled by the parsing would stop the command.
    monkeypatch.setenv("ROLLCALL_RECOGNIZER__STRICT_PROVIDERS", "true")
    photo = faces_dir / "deepface"
    csv = tmp_path / "pairs.csv"
    csv.write_text(f"path_a,path_b,same\n{photo / 'img1.jpg'},{photo / 'img2.jpg'},1\n")
    providers = "CPUExecutionProvider, CPUExecutionProvider"
    assert main(["evaluate", "verification", "--pairs", str(csv), "--providers", providers]) == 0
    assert _last_json(capsys)["no_face"] == 0
