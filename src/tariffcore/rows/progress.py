"""A one-line progress bar on standard error, drawn only when it is a terminal."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import IO

__all__ = ["Progress"]


@dataclass
class Progress:
    """A one-line progress bar on standard error, drawn only when it is a terminal."""

    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    total: int | None = None
    unit: str = "bytes"
    rows: int = 0
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    drawn: float = 0.0

    @staticmethod
    def wanted(setting: str = "auto") -> bool:
        """``auto``: only when standard error is a terminal; ``on`` / ``off`` as said."""
        if setting == "auto":
            return sys.stderr.isatty()
        return setting == "on"

    def advance(self, rows: int, done: int) -> None:
        self.rows += rows
        self.done = done
        now = time.monotonic()
        if now - self.drawn >= 0.2:
            self.drawn = now
            self.draw(now)

    def draw(self, now: float | None = None, end: str = "") -> None:
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        rate = self.rows / elapsed
        if self.total:
            share = min(self.done / self.total, 1)
            bar = "#" * int(share * 30)
            text = f"\r[{bar:<30}] {share:6.1%} {self.rows:,} rows {rate:,.0f} rows/s"
        else:
            text = f"\r{self.rows:,} rows {rate:,.0f} rows/s"
        self.stream.write(text + end)
        self.stream.flush()

    def finish(self) -> None:
        if self.total:
            self.done = self.total
        self.draw(end="\n")
