"""`rollcall bench pipeline`'s figures: the cameras a machine holds, and the table a row per
camera count (the command itself runs in tests/web/test_serve_command.py)."""

from __future__ import annotations

from typing import Any

from web.evaluation.pipeline_bench import cameras_held, table_lines


def run(cameras: int, fps: float, marked: int, expected: int, p95: float | None) -> dict[str, Any]:
    return {
        "cameras": cameras,
        "analysis_fps_setting": 5.0,
        "analyzed_fps_per_camera": fps,
        "analyzed_fps_total": fps * cameras,
        "cores_used": 1.5,
        "event_latency_p50_s": None if p95 is None else p95 / 2,
        "event_latency_p95_s": p95,
        "frames_dropped_share": 0.0,
        "present_events": marked,
        "present_expected": expected,
        "limiting_stage": "embed",
        "stage_cores": {"embed": 0.8, "scan": 0.5},
    }


def test_a_camera_count_is_held_only_at_the_rate_with_everyone_marked_quickly() -> None:
    runs = [
        run(4, 4.9, 24, 24, 0.9),
        run(8, 4.6, 48, 48, 1.4),
        run(12, 4.8, 70, 72, 1.2),  # two students never marked
        run(16, 2.1, 96, 96, 3.0),  # marked, but slowly and at half the rate
    ]
    assert cameras_held(runs) == 8
    assert cameras_held([run(1, 1.0, 6, 6, 9.0)]) is None


def test_the_table_has_a_row_per_camera_count_and_names_the_limiting_stage() -> None:
    lines = table_lines([run(4, 4.9, 24, 24, 0.9), run(8, 2.5, 40, 48, None)])
    assert lines[0].split()[:2] == ["cameras", "fps/camera"]
    assert "24/24" in lines[1] and "embed (0.80 cores)" in lines[1]
    assert lines[2].split()[0] == "8" and " - " in lines[2]  # no latency: a dash
