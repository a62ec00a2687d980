"""A progress bar on stderr, for terminals only (nothing at all when stderr is piped or a file)."""
from __future__ import annotations

import sys
import time


class Progress:
    """`simulating ━━━━━━━━╺━━━━━━━  52%  523,904 lines  98,311/s`, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, total_bytes: int | None, stream=None):
        self.stream = stream or sys.stderr
        self.total = total_bytes
        self.start = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def update(self, lines: int, position: int) -> None:
        now = time.perf_counter()
        if now - self.last < 0.1:
            return
        self.last = now
        rate = lines / max(now - self.start, 1e-9)
        if self.total:
            frac = min(1.0, position / self.total)
            full = int(frac * self.WIDTH)
            bar = "━" * full + ("╺" if full < self.WIDTH else "") + " " * max(0, self.WIDTH - full - 1)
            head = f"simulating {bar} {frac * 100:3.0f}%"
        else:
            head = "simulating"
        self.stream.write(f"\r{head}  {lines:,} lines  {rate:,.0f}/s\x1b[K")
        self.stream.flush()
        self.shown = True

    def done(self, lines: int) -> None:
        if not self.shown:
            return
        seconds = time.perf_counter() - self.start
        self.stream.write(f"\r\x1b[Ksimulated {lines:,} lines in {seconds:.1f} s"
                          f" ({lines / max(seconds, 1e-9):,.0f}/s)\n")
        self.stream.flush()
