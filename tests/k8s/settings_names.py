"""Environment variable names checked against the service's Settings model."""

from __future__ import annotations

import re

from pydantic import BaseModel

from web.settings import Settings

DATABASE_URL = "DATABASE_URL"
PREFIX = "ROLLCALL_"

_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def is_setting_name(name: str) -> bool:
    return name == DATABASE_URL or name.startswith(PREFIX)


def unknown_setting(name: str) -> str | None:
    """None when `name` sets a field of Settings; else the part that names nothing."""
    if name == DATABASE_URL:
        return None
    model: type[BaseModel] = Settings
    parts = name.removeprefix(PREFIX).lower().split("__")
    for depth, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return "__".join(parts[: depth + 1])
        annotation = field.annotation
        if depth < len(parts) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return "__".join(parts[: depth + 2])
            model = annotation
    return None


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` with the given variables."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, default = match[1], match[2], match[3]
        if name in variables:
            return variables[name]
        if operator != "-":
            raise KeyError(f"compose variable {name} is required and not set")
        return default

    return _INTERPOLATION.sub(substitute, value)
