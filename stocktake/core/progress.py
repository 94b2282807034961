"""A progress bar for the command line: redrawn in place on a terminal, a line every 10% otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, *, interval: float = 0.2) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.interval = interval
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._last_tenth = -1
        self._drawn = False

    def __call__(self, done: int, total: int | None, label: str) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if self.interactive:
            if now - self._last_draw < self.interval and not finished:
                return
            self._last_draw = now
            self.stream.write("\r" + self.line(done, total, label, now))
            self._drawn = True
            if finished:
                self.stream.write("\n")
                self._drawn = False
        elif total:
            tenth = min(10, done * 10 // total)
            if tenth > self._last_tenth:
                self._last_tenth = tenth
                self.stream.write(self.line(done, total, label, now) + "\n")
        self.stream.flush()

    def line(self, done: int, total: int | None, label: str, now: float) -> str:
        elapsed = now - self.started
        if not total:
            return f"{label} {done:,} ({elapsed:.0f} s)"
        share = min(1.0, done / total)
        filled = int(share * WIDTH)
        return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%} {label} ({elapsed:.0f} s)"

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
