"""The alert rules, as the Kubernetes base's PrometheusRule holds them and as the compose
setup's Prometheus loads them, and a time-compressed copy for a test to see them fire.

The compressed copy divides every duration of the rules, `for:` and the range windows of the
expressions alike, by one factor: the expressions stay the same PromQL with the same
thresholds, only minutes become seconds, so a fault held for seconds is what a fault held for
minutes is to the real rules.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from tests.k8s.deployment_files import COMPOSE_DIR, K8S, load_yaml

PROMETHEUS_RULE = K8S / "base" / "prometheusrule.yaml"
COMPOSE_RULES = COMPOSE_DIR / "prometheus-rules.yml"

_UNITS_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
    "y": 31_536_000_000,
}
_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_DURATION = r"(?:\d+(?:ms|s|m|h|d|w|y))+"
_RANGE = re.compile(rf"\[({_DURATION})\]")


def kubernetes_rules() -> dict[str, Any]:
    """The rule file inside the PrometheusRule: its `spec` ({"groups": [...]})."""
    return load_yaml(PROMETHEUS_RULE)["spec"]


def compose_rules() -> dict[str, Any]:
    return load_yaml(COMPOSE_RULES)


def alert_names(rules: dict[str, Any]) -> list[str]:
    return [rule["alert"] for group in rules["groups"] for rule in group["rules"]]


def duration_ms(text: str) -> int:
    """A Prometheus duration ("1h30m", "5m", "250ms") in milliseconds."""
    if not re.fullmatch(_DURATION, text):
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return sum(int(n) * _UNITS_MS[unit] for n, unit in _DURATION_PART.findall(text))


def _divided(text: str, factor: int) -> str:
    ms = duration_ms(text) // factor
    if ms < 1:
        raise ValueError(f"{text} divided by {factor} is under a millisecond")
    return f"{ms}ms"


def without_durations(expression: str) -> str:
    """The expression with its range windows blanked: what the compression must not touch."""
    return _RANGE.sub("[]", expression)


def time_compressed(rules: dict[str, Any], factor: int) -> dict[str, Any]:
    """The rules with every `for:` and every range window divided by `factor`."""
    compressed = copy.deepcopy(rules)
    for group in compressed["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = _divided(rule["for"], factor)
            rule["expr"] = _RANGE.sub(lambda m: f"[{_divided(m.group(1), factor)}]", rule["expr"])
    return compressed
