"""Benchmark `aftersale eval` on JSON Lines: peak memory against the input's size, and bad lines
against good ones (each run is a subprocess; its peak is `resource.getrusage` maxrss).

    .venv/bin/python bench/eval_bench.py                  # 80,000 events (about 50 MB)
    .venv/bin/python bench/eval_bench.py --events 10000

eval streams JSON Lines, so its peak memory should not grow with the file (a ratio of memory to
file size well under 1), and a bad line should cost about what a good one does (each is decoded,
checked, and located once). A benchmark, not a test.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "tea-house.policy"


def run(args: list[str], stdin: Path) -> tuple[float, float]:
    """(seconds, peak MB) of `python -m aftersale ARGS < stdin` (the children's peak so far: runs go
    from small to large so each peak is the run's own)."""
    start = time.perf_counter()
    with open(stdin, "rb") as f:
        subprocess.run([sys.executable, "-m", "aftersale", *args], stdin=f, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=80_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small, good, bad = Path(tmp, "small.jsonl"), Path(tmp, "good.jsonl"), Path(tmp, "bad.jsonl")
        for path, n, spoil in ((small, args.events // 10, "0"), (good, args.events, "0"), (bad, args.events // 10, "1")):
            subprocess.run([sys.executable, "-m", "aftersale", "generate", "-n", str(n), "--seed", "3",
                            "--bad-lines", spoil, "-o", str(path)], check=True, cwd=ROOT)
        eval_args = ["eval", str(POLICY), "--no-trace", "-"]
        t_small, m_small = run(eval_args, small)
        t_bad, _ = run(eval_args, bad)
        t_good, m_good = run(eval_args, good)
        mb = good.stat().st_size / 2**20
        print(f"eval --no-trace, {args.events:,} events ({mb:.0f} MB): {t_good:.1f} s, peak {m_good:.0f} MB "
              f"(peak / file size {m_good / mb:.2f}; peak at a tenth of the events {m_small:.0f} MB)")
        print(f"{args.events // 10:,} bad lines against as many good ones: {t_bad:.1f} s / {t_small:.1f} s = "
              f"{t_bad / t_small:.1f}x")


if __name__ == "__main__":
    main()
