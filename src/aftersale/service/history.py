"""Simulate for the console: replay a history sent in a request with one of a store's policy versions.

The same replay as `aftersale simulate` (`simulate.engine.replay`, `simulate.report.summarize`), in
this process (no worker pool inside a threaded server), on a bounded history written to a private
temporary file, since the replay reads files in chunks.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ..files import atomic_write
from ..simulate.engine import Input, PolicySpec, replay
from ..simulate.report import summarize

#: The largest history the console may send (bytes of JSONL): a few thousand events.
MAX_HISTORY_BYTES = 4_000_000
#: What the report calls a history that came in a request.
UPLOAD_NAME = "<upload>"


def simulate_text(policy: PolicySpec, baseline: PolicySpec | None, events: str) -> dict[str, Any]:
    """`aftersale simulate`'s report (JSON) of `events` (JSONL text) decided by `policy`, against `baseline`."""
    with tempfile.TemporaryDirectory(prefix="aftersale-history-") as folder:
        path = Path(folder) / "history.jsonl"
        atomic_write(path, events)
        source = Input(str(path))
        try:
            tally = replay(policy, baseline, source, jobs=1)
        finally:
            source.close()
    tally.check()
    return summarize(tally, policy.compile(), baseline.compile() if baseline else None, UPLOAD_NAME)
