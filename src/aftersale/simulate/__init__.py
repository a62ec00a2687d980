"""`aftersale simulate`: replay history with a policy (and a baseline) and count what it decides.

    aftersale generate --count 100000 --seed 7 --out history.jsonl.gz
    aftersale simulate policies/douyin-assistant.policy --events history.jsonl.gz \\
        --baseline policies/tea-house.policy --format markdown

Per action and per rule: count, share and money (the sum of the requested
amounts); against a baseline, old action → new action with counts, money
moved and example event ids. Bad lines are counted and reported with their
line number; they never stop the run. Exit code 0, or 2 when a line could not
be decided (the report is complete all the same).

>>> from aftersale.simulate import simulate
>>> report = simulate("policies/tea-house.policy", "policies/events/history.jsonl", jobs=1)
>>> report["events"]["lines"] == report["events"]["decided"] + report["events"]["bad"] + report["events"]["blank"]
True
"""
from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

from .engine import Input, PolicySpec, replay
from .report import markdown, summarize, text

__all__ = ["simulate", "cli_main"]


class _AtomicOut:
    """Lines written to a temporary file beside `path`, renamed over it only when the run finished."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        raw = open(self.tmp, "wb")  # noqa: SIM115 - closed in finish/abort
        self.raw = raw
        self.file = gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) \
            if self.path.name.endswith(".gz") else raw

    def write(self, text: str) -> None:
        self.file.write(text.encode("utf-8"))

    def finish(self) -> None:
        if self.file is not self.raw:
            self.file.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())  # on disk before the rename, so a crash never leaves an empty file
        self.raw.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            if self.file is not self.raw:
                self.file.close()
            self.raw.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def simulate(policy: str, events: str, baseline: str | None = None, *, out: str | None = None,
             rejects: str | None = None, trace: bool = False, jobs: int | None = None, progress=None,
             engine: str = "python", master: str | None = None) -> dict:
    """Replay `events` (JSONL, plain or gzip; `-` for stdin; Parquet for the SQL engines) with `policy`:
    the report as a dict. `engine` decides on `python`, `duckdb` or `spark` (simulate/engines.py)."""
    from .engines import check_engine, replay_sql

    check_engine(engine, events, out, trace)
    spec = PolicySpec.load(policy)
    base = PolicySpec.load(baseline) if baseline else None
    source = Input(events)
    outs = []
    try:
        records = _AtomicOut(out) if out else None
        outs.append(records)
        rejected = _AtomicOut(rejects) if rejects else None
        outs.append(rejected)
        if progress is not None:
            progress = progress(source.total)
        tally = replay_sql(engine, spec, base, source, on_rejects=rejected.write if rejected else None,
                           master=master, jobs=jobs) if engine != "python" else \
            replay(spec, base, source, trace=trace, jobs=jobs,
                       on_records=records.write if records else None,
                       on_rejects=rejected.write if rejected else None,
                       on_progress=progress.update if progress is not None else None)
        tally.check()
        if progress is not None:
            progress.done(tally.lines)
        for o in outs:
            if o is not None:
                o.finish()
    except BaseException:
        for o in outs:
            if o is not None:
                o.abort()
        raise
    finally:
        source.close()
    return summarize(tally, spec.compile(), base.compile() if base else None, source.name)


def cli_main(policy: str, events_file: str, baseline: str | None, fmt: str, out: str | None, *,
             rejects: str | None = None, trace: bool = False, jobs: int | None = None,
             progress: bool | None = None, engine: str = "python", master: str | None = None) -> int:
    from .progress import Progress

    show = sys.stderr.isatty() if progress is None else progress
    report = simulate(policy, events_file, baseline, out=out, rejects=rejects, trace=trace, jobs=jobs,
                      progress=Progress if show and engine == "python" else None, engine=engine, master=master)
    if fmt == "json":
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(markdown(report))
    else:
        sys.stdout.write(text(report))
    return 2 if report["events"]["bad"] else 0
