"""A progress bar on standard error for the chunked engines (``labeleval score --engine stream|dask``)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``rows  [#########.........]  45%  4,500,000 / 10,000,000 rows  0:12`` redrawn in place.

    On a terminal it redraws at most ten times a second; elsewhere (a log file) it writes one line per tenth
    of the work. It writes nothing until the first chunk is done, and ends its line when the work is done."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.start = time.monotonic()
        self.last = 0.0
        self.tenth = -1
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        finished = done >= total
        now = time.monotonic()
        if self.tty:
            if not finished and now - self.last < 0.1:
                return
            self.last = now
            self.stream.write("\r" + self.line(done, total, share, now))
            if finished:  # the scoring that follows has no bar: say what the wait is (minutes at 1e8 rows)
                self.stream.write("\nscoring (consensus, Dawid-Skene, bootstrap, every frame) ...\n")
        else:
            tenth = int(share * 10)
            if tenth == self.tenth and not finished:
                return
            self.tenth = tenth
            self.stream.write(self.line(done, total, share, now) + "\n")
        self.stream.flush()

    def line(self, done: int, total: int, share: float, now: float) -> str:
        filled = round(share * self.width)
        elapsed = int(now - self.start)
        return (
            f"reading [{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%}  {done:,} / {total:,} rows  "
            f"{elapsed // 60}:{elapsed % 60:02d}"
        )
