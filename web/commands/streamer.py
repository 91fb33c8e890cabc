"""`rollcall` sub-commands for the streamer package."""

from __future__ import annotations

from web.commands import CommandGroups


def register(groups: CommandGroups) -> None:
    """Add this package's sub-commands (filled in by the streamer work)."""
