"""JSON Schemas for the custom resources kubernetes-validate has no schema for.

They cover the fields these manifests use, as the operators' CRDs define them (Prometheus
Operator monitoring.coreos.com/v1, CloudNativePG postgresql.cnpg.io/v1), and refuse unknown
fields there, so a misspelt key fails here instead of being pruned by the API server.
"""

from __future__ import annotations

from typing import Any

_DURATION = {"type": "string", "pattern": r"^([0-9]+(ms|s|m|h|d|w|y))+$"}
_QUANTITY = {"type": ["string", "integer"], "pattern": r"^[0-9.]+([KMGTPE]i?|m)?$"}
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_METADATA = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "labels": _STRING_MAP},
}


def _closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": False,
    }


def _resource(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": _METADATA,
            "spec": spec,
        },
    }


_RULE = _closed(
    {
        "alert": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "expr": {"type": "string", "minLength": 1},
        "for": _DURATION,
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
    },
    ["alert", "expr"],
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "PrometheusRule": _resource(
        "monitoring.coreos.com/v1",
        "PrometheusRule",
        _closed(
            {
                "groups": {
                    "type": "array",
                    "minItems": 1,
                    "items": _closed(
                        {
                            "name": {"type": "string"},
                            "interval": _DURATION,
                            "rules": {"type": "array", "minItems": 1, "items": _RULE},
                        },
                        ["name", "rules"],
                    ),
                }
            },
            ["groups"],
        ),
    ),
    "ServiceMonitor": _resource(
        "monitoring.coreos.com/v1",
        "ServiceMonitor",
        _closed(
            {
                "selector": _closed({"matchLabels": _STRING_MAP}, ["matchLabels"]),
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": _closed(
                        {
                            "port": {"type": "string"},
                            "path": {"type": "string", "pattern": "^/"},
                            "interval": _DURATION,
                            "scrapeTimeout": _DURATION,
                        },
                        ["port"],
                    ),
                },
            },
            ["selector", "endpoints"],
        ),
    ),
    "Cluster": _resource(
        "postgresql.cnpg.io/v1",
        "Cluster",
        _closed(
            {
                "instances": {"type": "integer", "minimum": 1},
                "imageName": {"type": "string"},
                "primaryUpdateStrategy": {"enum": ["unsupervised", "supervised"]},
                "bootstrap": _closed(
                    {
                        "initdb": _closed(
                            {"database": {"type": "string"}, "owner": {"type": "string"}}
                        )
                    }
                ),
                "postgresql": _closed({"parameters": _STRING_MAP}),
                "storage": _closed(
                    {"size": _QUANTITY, "storageClass": {"type": "string"}}, ["size"]
                ),
                "resources": _closed(
                    {
                        "requests": {"type": "object", "additionalProperties": _QUANTITY},
                        "limits": {"type": "object", "additionalProperties": _QUANTITY},
                    }
                ),
                "monitoring": _closed({"enablePodMonitor": {"type": "boolean"}}),
            },
            ["instances", "storage"],
        ),
    ),
}
