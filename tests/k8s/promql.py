"""The metric names a PromQL expression reads, without a PromQL parser.

Label matchers, strings, range and subquery windows, grouping clauses and function calls are
taken out first; what is left that looks like an identifier and is not an operator keyword is
a metric name.
"""

from __future__ import annotations

import re

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_WINDOWS = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_GRAFANA_VARIABLES = re.compile(r"\$\{?\w+\}?")
_IDENTIFIER = re.compile(r"(?<![\w.$:])[A-Za-z_:][A-Za-z0-9_:]*(?![\w:])(?!\s*\()")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right"}
    | {"offset", "bool", "inf", "nan", "atan2"}
)


def metric_names(expression: str) -> set[str]:
    text = _STRINGS.sub(" ", expression)
    text = _MATCHERS.sub(" ", text)
    text = _WINDOWS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _GRAFANA_VARIABLES.sub(" ", text)
    return {token for token in _IDENTIFIER.findall(text) if token.lower() not in _KEYWORDS}
