"""The one rule for text people read (names), wherever it comes from: the JSON API and the
CSV imports both refuse control characters and invisible format characters such as the
bidi override U+202E, which would make a name display as something else."""

from __future__ import annotations


def plain_text_problem(value: str) -> str | None:
    """Why `value` is not plain printable text, or None when it is."""
    if value.isprintable():
        return None
    return "holds control or invisible formatting characters (such as U+202E)"
