"""Alert rules and the Grafana dashboard query only metrics that something really exports.

The service's names come from its own registry (web/telemetry/metrics.py), read the way
Prometheus reads the exposition: counters as `_total`, histograms as `_bucket`/`_sum`/`_count`.
The few names from other exporters are listed here by name, each with where it comes from.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.k8s.alert_rules import (
    COMPOSE_RULES,
    compose_rules,
    duration_ms,
    kubernetes_rules,
    time_compressed,
    without_durations,
)
from tests.k8s.deployment_files import K8S
from tests.k8s.prometheus_server import prometheus_tool
from tests.k8s.promql import metric_names
from web.telemetry.metrics import Metrics

DASHBOARD = K8S / "base" / "grafana" / "rollcall-dashboard.json"

# Not Rollcall's, by the exporter a panel using one must name.
OTHER_EXPORTERS = {
    "DCGM_FI_DEV_GPU_UTIL": "DCGM",  # NVIDIA's DCGM exporter (GPU Operator)
}

_SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
    "info": ("_info",),
}


def exported_names() -> set[str]:
    """Every series name the service's /metrics can carry."""
    names: set[str] = set()
    for family in Metrics().registry.collect():
        names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return names


def rule_expressions() -> dict[str, str]:
    spec = kubernetes_rules()
    return {rule["alert"]: rule["expr"] for group in spec["groups"] for rule in group["rules"]}


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def panel_expressions() -> dict[str, list[str]]:
    return {
        panel["title"]: [target["expr"] for target in panel.get("targets", [])]
        for panel in dashboard()["panels"]
        if panel["type"] != "row"
    }


def test_the_metric_name_reader_finds_names_and_refuses_bad_promql() -> None:
    expression = (
        'histogram_quantile(0.95, sum by (pod, le) (rate(a_seconds_bucket{model="x"}[5m])))'
        " > 1e-3 and on (pod) b_total offset 20m unless sum(rate(c[$__rate_interval]))"
    )
    assert metric_names(expression) == {"a_seconds_bucket", "b_total", "c"}
    with pytest.raises(ValueError):
        metric_names("sum(rate(c[5m])")


def test_the_service_exports_the_documented_metric_families() -> None:
    assert {
        "rollcall_camera_up",
        "rollcall_frames_dropped_total",
        "rollcall_inference_seconds_bucket",
        "rollcall_db_buffered_writes",
        "rollcall_journal_entries",
        "rollcall_journal_bytes",
        "rollcall_journal_full_total",
        "rollcall_attendance_events_total",
        "rollcall_sessions_open",
        "rollcall_analysis_over_capacity",
        "rollcall_analysis_busy_ratio",
    } <= exported_names()


@pytest.mark.parametrize("alert", sorted(rule_expressions()))
def test_each_alert_reads_only_exported_metrics(alert: str) -> None:
    used = metric_names(rule_expressions()[alert])
    assert used, "an alert with no metric in it"
    assert used - exported_names() == set()


@pytest.mark.parametrize("title", sorted(panel_expressions()))
def test_each_dashboard_panel_reads_only_exported_or_named_external_metrics(title: str) -> None:
    used = set().union(*(metric_names(e) for e in panel_expressions()[title]))
    assert used, "a panel with no query"
    assert used - exported_names() - set(OTHER_EXPORTERS) == set()


def test_panels_on_other_exporters_say_where_their_figures_come_from() -> None:
    for panel in dashboard()["panels"]:
        used = set().union(*(metric_names(t["expr"]) for t in panel.get("targets", [])))
        for name, exporter in OTHER_EXPORTERS.items():
            if name in used:
                assert exporter in panel["title"], f"{panel['title']!r} hides where {name} is from"


def test_the_alerts_the_operators_need_are_there() -> None:
    expressions = rule_expressions()
    assert set(expressions) == {
        "RollcallCameraDown",
        "RollcallFramesDroppedHigh",
        "RollcallInferenceSlow",
        "RollcallAnalysisOverCapacity",
        "RollcallDatabaseWritesBuffered",
        "RollcallDecisionJournalFull",
        "RollcallNoAttendanceDuringSession",
    }
    assert {
        "rollcall_journal_bytes",
        "rollcall_journal_capacity_bytes",
        "rollcall_journal_full_total",
    } <= metric_names(expressions["RollcallDecisionJournalFull"])
    assert "rollcall_camera_up" in metric_names(expressions["RollcallCameraDown"])
    assert "histogram_quantile" in expressions["RollcallInferenceSlow"]
    silent_session = metric_names(expressions["RollcallNoAttendanceDuringSession"])
    # Faces in front of the cameras is what keeps an empty class from firing it.
    assert {
        "rollcall_sessions_open",
        "rollcall_attendance_events_total",
        "rollcall_faces_detected_total",
    } <= silent_session


def test_the_dashboard_shows_what_a_school_operator_watches() -> None:
    used = set().union(*(metric_names(e) for es in panel_expressions().values() for e in es))
    assert {
        "rollcall_camera_up",
        "rollcall_frames_analyzed_total",
        "rollcall_inference_seconds_bucket",
        "rollcall_event_latency_seconds_bucket",
        "rollcall_attendance_events_total",
        "rollcall_unknown_faces_total",
        "rollcall_websocket_clients",
        "rollcall_db_buffered_writes",
        "DCGM_FI_DEV_GPU_UTIL",
    } <= used


def test_the_dashboard_is_importable_anywhere() -> None:
    board = dashboard()
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    for panel in board["panels"]:
        if panel["type"] != "row":
            # The data source is chosen at import (compose and kube-prometheus-stack differ).
            assert panel["datasource"]["uid"] == "${datasource}"
            assert {"x", "y", "w", "h"} <= set(panel["gridPos"])


def test_no_two_dashboard_panels_overlap() -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in dashboard()["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} covers {cells.get((x, y))!r}"
                cells[(x, y)] = panel["title"]


def test_compose_loads_the_very_rules_of_the_prometheus_rule() -> None:
    # two files, since Prometheus reads a bare rule file and the operator a custom resource
    assert compose_rules() == kubernetes_rules()


def _promtool_check_rules(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [prometheus_tool("promtool"), "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_promtool_accepts_the_rules_and_refuses_a_broken_one(tmp_path: Path) -> None:
    checked = _promtool_check_rules(COMPOSE_RULES)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = kubernetes_rules()
    broken["groups"][0]["rules"][0]["expr"] = "max by (camera (rollcall_camera_up)"
    (tmp_path / "broken.yml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    assert _promtool_check_rules(tmp_path / "broken.yml").returncode != 0


def test_the_time_compressed_rules_differ_only_in_their_durations(tmp_path: Path) -> None:
    rules = kubernetes_rules()
    compressed = time_compressed(rules, 60)
    pairs = [
        (rule, fast)
        for group, fast_group in zip(rules["groups"], compressed["groups"], strict=True)
        for rule, fast in zip(group["rules"], fast_group["rules"], strict=True)
    ]
    for rule, fast in pairs:
        assert without_durations(fast["expr"]) == without_durations(rule["expr"])
        assert {k: v for k, v in fast.items() if k not in ("expr", "for")} == {
            k: v for k, v in rule.items() if k not in ("expr", "for")
        }
        if "for" in rule:
            assert duration_ms(fast["for"]) * 60 == duration_ms(rule["for"])
    by_name = {rule["alert"]: fast for rule, fast in pairs}
    assert by_name["RollcallCameraDown"]["for"] == "2000ms"
    assert "[20000ms]" in by_name["RollcallNoAttendanceDuringSession"]["expr"]
    (tmp_path / "fast.yml").write_text(yaml.safe_dump(compressed), encoding="utf-8")
    checked = _promtool_check_rules(tmp_path / "fast.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
