"""Events per second of `simulate` on each engine, from one generated history (1M events; --quick 100k).

    .venv/bin/python bench/engines.py            # 1,000,000 events
    .venv/bin/python bench/engines.py --quick    # 100,000 events
    .venv/bin/python bench/engines.py --no-spark

Engines: python (this process and its workers, every core), duckdb from JSONL
(lines checked on every core by the Python engine's reader: its C decoding and generated checks;
then one query), the two halves of that alone (the line check writing the
good lines, and DuckDB reading the file and deciding without the check),
duckdb from Parquet, and spark in local mode (local[2]), from JSONL and
Parquet. Prints seconds (wall and CPU, workers included), events per second and the ratio to the
Python engine, and whether each engine's action counts equal DuckDB's. A
benchmark, not a test.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from simulate_bench import history  # noqa: E402

from aftersale.simulate import simulate  # noqa: E402

POLICY = str(ROOT / "policies" / "douyin-assistant.policy")


def parquet_of(jsonl: Path) -> Path:
    """The same history as Parquet, typed by the events table's schema (made once, by DuckDB)."""
    from aftersale.backends.sql.run_duckdb import connect
    from aftersale.backends.sql.schema import column_types

    path = jsonl.with_suffix(".parquet")
    if not path.exists():
        con = connect()
        con.register("h", con.read_json(str(jsonl), format="newline_delimited", columns=column_types("duckdb")))
        con.execute(f"COPY h TO '{path}' (FORMAT parquet)")
    return path


def query_only(jsonl: Path) -> dict:
    """DuckDB reading the JSONL and running the query, without the Python line check."""
    from aftersale.backends.sql import compile_query
    from aftersale.backends.sql.run_duckdb import connect
    from aftersale.backends.sql.schema import column_types
    from aftersale.policy import load

    con = connect()
    con.register("events", con.read_json(str(jsonl), format="newline_delimited", columns=column_types("duckdb")))
    sql = compile_query(load(POLICY).tree, "duckdb").sql(pretty=False)
    counts = dict(con.execute(f"SELECT action, COUNT(*) FROM ({sql}) GROUP BY action").fetchall())
    return {"actions": sorted(counts.items())}


def check_only(jsonl: Path) -> dict:
    """The line check of `--engine duckdb` alone: every line checked, the good ones written to a temporary folder."""
    from aftersale.simulate.engine import Input, PolicySpec
    from aftersale.simulate.engines import check_lines
    from aftersale.simulate.tally import Tally

    tally, source = Tally(), Input(str(jsonl))
    with tempfile.TemporaryDirectory() as folder:
        check_lines(PolicySpec.load(POLICY), source, folder, tally, None, None)
    source.close()
    return {"actions": None, "bad": tally.bad}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100,000 events instead of 1,000,000")
    ap.add_argument("--count", type=int, help="this many events (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/aftersale-bench"))
    args = ap.parse_args()
    count = args.count or (100_000 if args.quick else 1_000_000)
    jsonl = history(count, args.seed, args.cache)
    parquet = parquet_of(jsonl)

    def actions(report: dict) -> list:
        return sorted((a["action"], a["count"]) for a in report["actions"])

    runs = [("python", lambda: simulate(POLICY, str(jsonl))),
            ("duckdb, JSONL", lambda: simulate(POLICY, str(jsonl), engine="duckdb")),
            ("duckdb, JSONL: line check alone", lambda: check_only(jsonl)),
            ("duckdb, JSONL: query alone", lambda: query_only(jsonl)),
            ("duckdb, Parquet", lambda: simulate(POLICY, str(parquet), engine="duckdb"))]
    if not args.no_spark and shutil.which("java"):
        runs += [("spark local[2], JSONL", lambda: simulate(POLICY, str(jsonl), engine="spark")),
                 ("spark local[2], Parquet", lambda: simulate(POLICY, str(parquet), engine="spark"))]
    def cpu() -> float:   # this process and its (finished) workers: the machine is shared, wall time varies
        return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF,
                                                                               resource.RUSAGE_CHILDREN)))

    results = []
    for name, run in runs:
        start, used = time.perf_counter(), cpu()
        report = run()
        seconds, used = time.perf_counter() - start, cpu() - used
        results.append((name, seconds, used, report["actions"] if "events" not in report else actions(report)))
        print(f"  {name}: {seconds:.2f} s, CPU {used:.2f} s", file=sys.stderr, flush=True)
    python_seconds = results[0][1]
    reference = results[1][3]
    print(f"\n{count:,} events, {POLICY.rsplit('/', 1)[-1]}\n")
    print("| engine | seconds | CPU seconds | events/s | vs python | actions = duckdb's |")
    print("|---|---:|---:|---:|---:|---|")
    for name, seconds, used, acts in results:
        same = "—" if acts is None else "yes" if acts == reference else "NO"
        print(f"| {name} | {seconds:.2f} | {used:.2f} | {count / seconds:,.0f} | {python_seconds / seconds:.2f}× "
              f"| {same} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
