"""A one-line progress bar on standard error, drawn only when it is a terminal."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import IO

__all__ = ["Progress", "clock"]


def clock(seconds: float) -> str:
    """``seconds`` as ``m:ss`` (``h:mm:ss`` from an hour on)."""
    whole = max(int(seconds + 0.5), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class Progress:
    """Rows read so far, and a one-line bar on standard error showing them, the share of the
    input done, the time elapsed and an estimate of the time left.

    ``visible=False`` counts without drawing (what a run's closing summary line is made from).
    The estimate is the time so far scaled by the share left: it needs the input's size
    (``total``), so input of unknown length shows the rows and the time elapsed only.
    """

    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    total: int | None = None
    unit: str = "bytes"
    rows: int = 0
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    drawn: float = 0.0
    visible: bool = True
    width: int = 0  # of the line drawn last, which a shorter one must cover

    @staticmethod
    def wanted(setting: str = "auto") -> bool:
        """``auto``: only when standard error is a terminal; ``on`` / ``off`` as said."""
        if setting == "auto":
            return sys.stderr.isatty()
        return setting == "on"

    def advance(self, rows: int, done: int) -> None:
        self.rows += rows
        self.done = done
        if not self.visible:
            return
        now = time.monotonic()
        if now - self.drawn >= 0.2:
            self.drawn = now
            self.draw(now)

    def text(self, now: float | None = None) -> str:
        """The bar as it would be drawn at ``now``."""
        elapsed = max((now if now is not None else time.monotonic()) - self.started, 1e-9)
        rate = self.rows / elapsed
        spent = f"{clock(elapsed)} elapsed"
        if self.total:
            share = min(self.done / self.total, 1)
            bar = "#" * int(share * 30)
            left = f", ~{clock(elapsed * (1 - share) / share)} left" if share > 0 else ""
            return f"[{bar:<30}] {share:6.1%} {self.rows:,} rows {rate:,.0f} rows/s, {spent}{left}"
        return f"{self.rows:,} rows {rate:,.0f} rows/s, {spent}"

    def draw(self, now: float | None = None, end: str = "") -> None:
        if not self.visible:
            return
        text = self.text(now)
        self.stream.write("\r" + text.ljust(self.width) + end)
        self.width = len(text)
        self.stream.flush()

    def finish(self) -> None:
        if self.total:
            self.done = self.total
        self.draw(end="\n")
