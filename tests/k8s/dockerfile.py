"""A Dockerfile read as stages of instructions (continuations joined, comments dropped)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

_FROM = re.compile(r"^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [i.arguments for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> str | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def environment(self) -> dict[str, str]:
        """ENV KEY=VALUE pairs of this stage, quotes removed as Docker removes them."""
        pairs: dict[str, str] = {}
        for arguments in self.all("ENV"):
            for word in shlex.split(arguments):
                key, _, value = word.partition("=")
                pairs[key] = value
        return pairs


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or not stripped:
            continue  # comment lines, even inside a continuation, are removed by Docker
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    return lines


def read_stages(path: Path) -> list[Stage]:
    stages: list[Stage] = []
    for line in _logical_lines(path.read_text(encoding="utf-8")):
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            match = _FROM.match(arguments.strip())
            assert match, f"unreadable FROM: {arguments}"
            stages.append(Stage(base=match[1], name=match[2]))
        elif stages:
            stages[-1].instructions.append(Instruction(keyword, arguments.strip()))
    return stages


def stage(stages: list[Stage], name: str) -> Stage:
    (found,) = [s for s in stages if s.name == name]
    return found
