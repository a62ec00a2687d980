"""Benchmark `aftersale simulate`: events per second on a generated history (1,000,000 events by default).

    .venv/bin/python bench/simulate_bench.py                      # 1M events, every core
    .venv/bin/python bench/simulate_bench.py --jobs 1 2 --baseline
    .venv/bin/python bench/simulate_bench.py --events 50000 --profile

The history is generated once per (count, seed) and cached (see --cache).
Reports wall time, events per second and peak memory (this process and its
largest worker), so flat memory shows as a peak that does not grow with the
count. A benchmark, not a test: the target is under 10 s for 1M events on
two cores.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from aftersale.simulate import simulate  # noqa: E402
from aftersale.simulate.engine import Decider, PolicySpec, default_jobs  # noqa: E402
from aftersale.simulate.generate import events  # noqa: E402

POLICY = ROOT / "policies" / "douyin-assistant.policy"
BASELINE = ROOT / "policies" / "tea-house.policy"


def _cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its finished children (the workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def history(count: int, seed: int, cache: Path) -> Path:
    path = cache / f"history-{count}-{seed}.jsonl"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        buf = []
        for line in events(count, seed):
            buf.append(line)
            if len(buf) == 10_000:
                f.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            f.write("\n".join(buf) + "\n")
    os.replace(tmp, path)
    print(f"generated {count:,} events in {time.perf_counter() - start:.1f} s -> {path} "
          f"({path.stat().st_size / 1e6:,.0f} MB)", flush=True)
    return path


def profile(path: Path, baseline: bool, lines: int = 20_000) -> None:
    """cProfile of one process deciding the first `lines` lines: where the time goes."""
    with open(path, "rb") as f:
        data = b"".join(f.readline() for _ in range(lines))
    decider = Decider(PolicySpec.load(str(POLICY)), PolicySpec.load(str(BASELINE)) if baseline else None, str(path))
    start = time.perf_counter()
    decider.chunk(1, data)
    plain = time.perf_counter() - start
    print(f"\none process, no profiler: {plain / lines * 1e6:.1f} µs per event")
    prof = cProfile.Profile()
    prof.runcall(decider.chunk, 1, data)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
    print(out.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, nargs="+", default=[default_jobs()])
    ap.add_argument("--baseline", action="store_true", help="Also decide with the baseline policy.")
    ap.add_argument("--out", action="store_true", help="Also write every decision record (to a temporary file).")
    ap.add_argument("--profile", action="store_true", help="Profile one process on the first 20,000 events.")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "aftersale-bench")
    args = ap.parse_args()

    path = history(args.events, args.seed, args.cache)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; policy {POLICY.name}"
          + (f", baseline {BASELINE.name}" if args.baseline else ""))
    for jobs in args.jobs:
        out = Path(tempfile.gettempdir()) / "aftersale-bench-records.jsonl" if args.out else None
        cpu0 = _cpu()
        start = time.perf_counter()
        report = simulate(str(POLICY), str(path), str(BASELINE) if args.baseline else None,
                          out=str(out) if out else None, jobs=jobs)
        seconds = time.perf_counter() - start
        main_cpu, workers_cpu = (b - a for a, b in zip(cpu0, _cpu()))
        n = report["events"]["lines"]
        self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"jobs={jobs}: {n:,} events in {seconds:.2f} s = {n / seconds:,.0f} events/s; "
              f"peak memory {self_mb:,.0f} MB (main), {child_mb:,.0f} MB (largest worker)", flush=True)
        cpu = main_cpu + workers_cpu
        print(f"  cpu: {cpu:.1f} s in all ({main_cpu:.1f} s main, {workers_cpu:.1f} s workers) = "
              f"{cpu / n * 1e6:.1f} µs per event; on {jobs} idle core{'s' if jobs > 1 else ''} that is "
              f"{cpu / jobs:.1f} s (wall time above is higher when other processes share the cores)", flush=True)
        if out:
            out.unlink(missing_ok=True)
    if args.profile:
        profile(path, args.baseline)


if __name__ == "__main__":
    main()
