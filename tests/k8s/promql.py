"""The metric names a PromQL expression reads, from a real PromQL parser (promql-parser, the
Rust parser GreptimeDB uses): an expression that does not parse fails here, as it would fail
in Prometheus."""

from __future__ import annotations

import re

import promql_parser

# Grafana replaces its interval variables before the query reaches Prometheus.
_GRAFANA_INTERVALS = re.compile(r"\$__(?:rate_)?interval|\$\{__(?:rate_)?interval\}")


def metric_names(expression: str) -> set[str]:
    parsed = promql_parser.parse(_GRAFANA_INTERVALS.sub("5m", expression))
    names: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            assert node.name, f"a selector without a metric name in {expression!r}"
            names.add(node.name)

    promql_parser.walk(parsed, visit)
    return names
