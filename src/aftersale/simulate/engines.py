"""`simulate --engine duckdb|spark`: the same backtest, decided by the policy's SQL query.

Lines are read and checked by the Python event reader first (engine.Decider.events), so bad lines
are counted and reported with the same line numbers and messages as the Python engine; the good ones
go to the engine with their line number, one query decides them all, and the decisions feed the same
Tally, so the report is the Python engine's. Parquet input (`.parquet`) is read by the engine itself,
typed by its columns; its rows are numbered from 1.
"""
from __future__ import annotations

import os
import tempfile
from typing import Callable

from .engine import Decider, Input, PolicySpec
from .tally import EXAMPLES, Tally

ENGINES = ("python", "duckdb", "spark")
KEEP = ("_line", "request.amount")


def is_parquet(path: str) -> bool:
    return path.endswith(".parquet") or os.path.isdir(path)


def check_engine(engine: str, events: str, out: str | None, trace: bool) -> None:
    """Refuse combinations an engine cannot run, with a message (AftersaleError, exit code 2)."""
    from ..diagnostics import AftersaleError, Diagnostic, ERROR
    from ..source import Span

    problem = None
    if engine not in ENGINES:
        problem = f"unknown engine `{engine}`; known: {', '.join(ENGINES)}"
    elif engine == "python" and is_parquet(events):
        problem = f"`{events}` is Parquet: read it with --engine duckdb or --engine spark"
    elif engine != "python" and (out or trace):
        problem = f"--out and --trace write decision records, which --engine {engine} does not make; use --engine python"
    elif engine != "python" and events == "-":
        problem = f"--engine {engine} reads a file, not standard input"
    if problem:
        raise AftersaleError(Diagnostic("usage", ERROR, problem, Span(events, 1, 1, 1, 1)))


_CHECKER: tuple[Decider, int] | None = None


def _init_checker(args, folder: str) -> None:
    """A worker's reader, and its own file of good lines in `folder` (their order is `_line`'s)."""
    global _CHECKER
    _CHECKER = (Decider(*args), os.open(os.path.join(folder, f"{os.getpid()}.jsonl"),
                                        os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _check(task: tuple[int, bytes]) -> tuple[Tally, list | None]:
    """One chunk checked by the Python engine's reader (`Decider.events`: the fast reader in C and its
    generated checks, the exact reader for any line it doubts): its tally of blank and bad lines and its
    rejects; its good lines as read, each with its line number as `_line`, go to the worker's file."""
    checker, out = _CHECKER
    part = Tally()
    rejects: list[str] | None = [] if checker.want_rejects else None
    first, data = task
    good = memoryview(b"".join([b'{"_line":%d,%s\n' % (n, raw[raw.index(b"{") + 1:])
                                for n, raw, _ in checker.events(first, data, part, rejects)]))
    while good:   # unbuffered: a pool's workers end without flushing
        good = good[os.write(out, good):]
    return part, rejects


def check_lines(policy: PolicySpec, source: Input, folder: str, tally: Tally, on_rejects,
                jobs: int | None) -> None:
    """Check every line (on every core): count blank and bad lines in `tally`, give rejects to
    `on_rejects`, write the good ones as JSON lines with their `_line` to files in `folder` (one per
    worker, in no particular order)."""
    from collections import deque

    from .engine import default_jobs

    global _CHECKER
    args = (policy, None, source.name, False, False, on_rejects is not None)

    def take(result) -> None:
        part, rejects = result
        tally.merge(part)
        if rejects and on_rejects is not None:
            on_rejects("".join(r + "\n" for r in rejects))

    jobs = jobs or default_jobs()
    if jobs <= 1:
        _init_checker(args, folder)
        try:
            for task in source.chunks():
                take(_check(task))
        finally:
            os.close(_CHECKER[1])
            _CHECKER = None
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(jobs, _init_checker, (args, folder)) as pool:
        pending: deque = deque()
        for task in source.chunks():
            pending.append(pool.apply_async(_check, (task,)))
            while len(pending) > 2 * jobs:
                take(pending.popleft().get())
        while pending:
            take(pending.popleft().get())


#: What the tally reads of each decision: new (n) and baseline (b) outcomes, grouped.
_KEY = ("n.action", "n.rule", "n.decided_by", "n.forbidden_by", "n.guards")
_BASE_KEY = ("b.action", "b.rule", "b.decided_by")


def _tally_sql(new: str, base: str | None) -> tuple[str, str | None]:
    """The query grouping decisions as Tally counts them (with count, money and first line per group, in
    order of first line), and the one picking each change's first examples in file order."""
    key = _KEY + (_BASE_KEY if base else ())
    cols = ", ".join(f"{c} AS k{i}" for i, c in enumerate(key))
    source = f"({new}) AS n" + (f" JOIN ({base}) AS b ON n._line = b._line" if base else "")
    groups = (f"SELECT {cols}, COUNT(*) AS c, SUM(n.request_amount) AS m, MIN(n._line) AS first "
              f"FROM {source} GROUP BY {', '.join(key)} ORDER BY first")
    if not base:
        return groups, None
    moved = "b.action <> n.action"
    changed = f"({moved} OR b.rule IS DISTINCT FROM n.rule)"
    change = "b.rule, b.decided_by, b.action, n.rule, n.decided_by, n.action"
    examples = (f"SELECT * FROM (SELECT {change}, {moved} AS moved, n.event_id, n._line, "
                f"ROW_NUMBER() OVER (PARTITION BY b.action, n.action, {moved} ORDER BY n._line) AS t, "
                f"ROW_NUMBER() OVER (PARTITION BY {change}, {changed} ORDER BY n._line) AS r "
                f"FROM {source}) AS x WHERE (moved AND t <= {EXAMPLES}) OR r <= {EXAMPLES} ORDER BY _line")
    return groups, examples


def _run(engine: str, specs: list[PolicySpec], path: str, parquet: bool, master: str | None, years):
    """(groups, examples) rows of `_tally_sql` on the engine, for the policy (and the baseline)."""
    from ..backends.sql import TABLE, compile_query

    sqls = [compile_query(s.compile().tree, "duckdb" if engine == "duckdb" else "spark", years, keep=KEEP)
            .sql(pretty=False) for s in specs]
    groups, examples = _tally_sql(sqls[0], sqls[1] if len(sqls) > 1 else None)
    if engine == "duckdb":
        from ..backends.sql.run_duckdb import connect
        from ..backends.sql.schema import column_types

        con = connect()
        if parquet:
            con.register("raw_events", con.read_parquet(path))
            rows = "SELECT *, ROW_NUMBER() OVER () AS _line FROM raw_events"
        else:
            columns = {"_line": "BIGINT", **column_types("duckdb")}
            con.register("raw_events", con.read_json(os.path.join(path, "*.jsonl"), format="newline_delimited",
                                                     columns=columns))
            rows = "SELECT * FROM raw_events"
        # with a baseline, both queries read the events twice over: read the file once
        con.execute(f"CREATE TEMP {'TABLE' if examples else 'VIEW'} {TABLE} AS {rows}")
        return con.execute(groups).fetchall(), con.execute(examples).fetchall() if examples else []
    from ..backends.sql.run_spark import ddl, session

    spark = session(master or "local[2]")
    if parquet:
        from pyspark.sql import functions as F

        frame = spark.read.parquet(path).withColumn("_line", F.monotonically_increasing_id() + 1)
    else:
        frame = spark.read.schema("_line BIGINT, " + ddl()).option("mode", "FAILFAST").json(path)
    if examples is not None:
        frame = frame.cache()
    frame.createOrReplaceTempView(TABLE)
    rows = [tuple(r) for r in spark.sql(groups).collect()]
    return rows, [tuple(r) for r in spark.sql(examples).collect()] if examples else []


def _add_groups(tally: Tally, groups, examples, baseline: bool) -> None:
    """Fill `tally` as Tally.add would, one call per event in file order: groups come in order of their
    first line, so every key of the tally is first met in the same order."""
    for row in groups:
        action, rule, by, forbidden_by, guards = row[:5]
        count, money = row[-3], row[-2]
        tally.add_many(count, money, action, rule, by, guards or (), forbidden_by)
        if baseline:
            tally.add_base(count, money, tuple(row[5:8]), action, rule, by)
    for old_rule, old_by, old_action, rule, by, action, moved, event_id, line, t, r in examples:
        if moved and t <= EXAMPLES:
            tally.transitions[(old_action, action)][2].append((event_id, line))
        if r <= EXAMPLES and (moved or old_rule != rule):
            tally.rule_changes[(old_rule, old_by, old_action, rule, by, action)][2].append((event_id, line))


def replay_sql(engine: str, policy: PolicySpec, baseline: PolicySpec | None, source: Input, *,
               on_rejects: Callable[[str], None] | None = None, master: str | None = None,
               years: tuple[int, int] | None = None, jobs: int | None = None) -> Tally:
    """Decide every line of `source` on `engine`; the Tally the Python engine would give."""
    tally = Tally()
    parquet = is_parquet(source.name)
    with tempfile.TemporaryDirectory(prefix="aftersale-") as folder:
        if parquet:
            path = source.name
        else:
            check_lines(policy, source, folder, tally, on_rejects, jobs)
            path = folder
        specs = [policy] if baseline is None else [policy, baseline]
        groups, examples = _run(engine, specs, path, parquet, master, years)
    _add_groups(tally, groups, examples, baseline is not None)
    if parquet:
        tally.lines = tally.decided
    return tally


__all__ = ["ENGINES", "replay_sql", "is_parquet", "check_lines"]
