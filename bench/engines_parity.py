"""Parity counts per engine: one generated history decided by every engine, compared event by event.

    .venv/bin/python bench/engines_parity.py                  # 100,000 events, shipped + 12 generated policies
    .venv/bin/python bench/engines_parity.py --events 5000 --generated 40 --no-spark

The history is `aftersale generate`'s (seeded) with every tenth event one of
the hardening strategies' edge events; the policies are every shipped policy
and generated ones (tests/hardening/strategies.py, seeded; see
tests/backends/parity.py). Each engine's decision of each event (action,
rule, forbidding guard, guards in force, recheck_at) is compared with the
interpreter's: python is the compiled backend `simulate` decides with, duckdb
and spark run the policy's one query. A generated policy the SQL backend
refuses at compile time is counted as refused. Exit code 1 if any event
differs.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from aftersale.backends.sql import Refused  # noqa: E402
from aftersale.policy import load  # noqa: E402
from tests.backends.parity import (SHIPPED, differences, generated, history, on_duckdb, on_python,  # noqa: E402
                                   on_spark, reference)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--generated", type=int, default=12, help="how many generated policies")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--spark-events", type=int, help="Spark decides only the first N events (it is slow)")
    args = ap.parse_args()
    start = time.perf_counter()
    lines, parsed = history(args.events, args.seed)
    policies = [(p.name, load(p).tree) for p in SHIPPED]
    policies += [(f"generated-{i}", tree) for i, (_, tree) in enumerate(generated(args.generated, args.seed))]
    print(f"history of {len(lines):,} events and {len(policies)} policies in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    engines = {"python": lambda t: on_python(t, parsed), "duckdb": lambda t: on_duckdb(t, lines, parsed)}
    if not args.no_spark and shutil.which("java"):
        from aftersale.backends.sql.run_spark import session

        spark = session("local[2]")
        n = args.spark_events or len(lines)
        engines["spark"] = lambda t: on_spark(t, lines[:n], parsed[:n], spark)
    totals = {e: [0, 0, 0, 0] for e in engines}  # policies compared, refused, events same, events different
    for name, tree in policies:
        want_all = reference(tree, parsed)
        for engine, run in engines.items():
            t0 = time.perf_counter()
            try:
                got = run(tree)
            except Refused as refused:
                totals[engine][1] += 1
                print(f"  {name} on {engine}: refused: {refused.construct}", file=sys.stderr)
                continue
            want = want_all[:len(got)]
            wrong = differences(want, got)
            t = totals[engine]
            t[0] += 1
            t[2] += len(want) - len(wrong)
            t[3] += len(wrong)
            print(f"  {name} on {engine}: {len(wrong)} differ ({time.perf_counter() - t0:.1f} s)"
                  + (f", first: {wrong[0]}" if wrong else ""), file=sys.stderr, flush=True)
    print(f"\n{len(lines):,} events (seed {args.seed}; spark: the first {args.spark_events or len(lines):,}); "
          f"{len(SHIPPED)} shipped and {args.generated} generated policies; each engine against the interpreter\n")
    print("| engine | policies compared | refused | decisions identical | different |")
    print("|---|---:|---:|---:|---:|")
    for engine, (n, refused, same, diff) in totals.items():
        print(f"| {engine} | {n} | {refused} | {same:,} | {diff:,} |")
    return 1 if any(t[3] for t in totals.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
