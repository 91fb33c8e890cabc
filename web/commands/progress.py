"""A progress bar for long commands, on stderr (stdout keeps the JSON result line)."""

from __future__ import annotations

from typing import TextIO


class ProgressBar:
    """A plain-text bar on stderr, redrawn in place ('\\r') on a terminal; elsewhere (a log
    file) one line per tenth of the way, however often it is told."""

    def __init__(self, stream: TextIO, label: str, width: int = 30) -> None:
        self._stream = stream
        self._label = label
        self._width = width
        self._live = stream.isatty()
        self._tenth = -1  # the last tenth written as a line

    def __call__(self, done: int, total: int) -> None:
        filled = self._width * done // max(total, 1)
        line = f"{self._label} [{'#' * filled}{'.' * (self._width - filled)}] {done}/{total}"
        tenth = 10 * done // max(total, 1)
        if self._live:
            self._stream.write("\r" + line + ("\n" if done == total else ""))
        elif tenth > self._tenth:
            self._tenth = tenth
            self._stream.write(line + "\n")
        self._stream.flush()
