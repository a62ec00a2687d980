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
from .tally import Tally

ENGINES = ("python", "duckdb", "spark")
KEEP = ("_line", "request.amount")
#: The query's columns the tally reads (recheck_at is left out, so the engine never computes it).
TALLIED = "event_id, action, rule, forbidden_by, forbidden_action, guards, decided_by, _line, request_amount"


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


_CHECKER: Decider | None = None


def _init_checker(args) -> None:
    global _CHECKER
    _CHECKER = Decider(*args)


def _check(task: tuple[int, bytes], checker: Decider | None = None) -> tuple[Tally, list | None, bytes]:
    """One chunk checked: its tally of blank and bad lines, its rejects, and its good lines, each
    with its line number as `_line`."""
    checker = checker or _CHECKER
    part = Tally()
    rejects: list[str] | None = [] if checker.want_rejects else None
    good = []
    for n, raw, _ in checker.events(*task, part, rejects):
        text = raw.decode("utf-8")
        brace = text.index("{")
        good.append(f'{{"_line":{n},{text[brace + 1:]}\n')
    return part, rejects, "".join(good).encode("utf-8")


def _good_lines(policy: PolicySpec, source: Input, out, tally: Tally, on_rejects, jobs: int | None) -> None:
    """Check every line with the Python engine's reader (on every core); write the good ones to `out`."""
    from collections import deque

    from .engine import default_jobs

    args = (policy, None, source.name, False, False, on_rejects is not None)

    def take(result) -> None:
        part, rejects, good = result
        tally.merge(part)
        out.write(good)
        if rejects and on_rejects is not None:
            on_rejects("".join(r + "\n" for r in rejects))

    jobs = jobs or default_jobs()
    if jobs <= 1:
        checker = Decider(*args)
        for task in source.chunks():
            take(_check(task, checker))
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(jobs, _init_checker, (args,)) as pool:
        pending: deque = deque()
        for task in source.chunks():
            pending.append(pool.apply_async(_check, (task,)))
            while len(pending) > 2 * jobs:
                take(pending.popleft().get())
        while pending:
            take(pending.popleft().get())


def _rows(engine: str, spec: PolicySpec, path: str, parquet: bool, master: str | None, years):
    from ..backends.sql import compile_query

    tree = spec.compile().tree
    if engine == "duckdb":
        from ..backends.sql.run_duckdb import connect
        from ..backends.sql.schema import column_types

        con = connect()
        if parquet:
            con.register("raw_events", con.read_parquet(path))
            con.execute("CREATE TEMP VIEW events AS SELECT *, ROW_NUMBER() OVER () AS _line FROM raw_events")
        else:
            columns = {"_line": "BIGINT", **column_types("duckdb")}
            con.register("events", con.read_json(path, format="newline_delimited", columns=columns))
        sql = compile_query(tree, "duckdb", years, keep=KEEP).sql(pretty=False)
        return con.execute(f"SELECT {TALLIED} FROM ({sql}) ORDER BY _line").fetchall()
    from ..backends.sql.run_spark import ddl, session

    spark = session(master or "local[2]")
    if parquet:
        from pyspark.sql import functions as F

        frame = spark.read.parquet(path).withColumn("_line", F.monotonically_increasing_id() + 1)
    else:
        frame = spark.read.schema("_line BIGINT, " + ddl()).option("mode", "FAILFAST").json(path)
    frame.createOrReplaceTempView("events")
    sql = compile_query(tree, "spark", years, keep=KEEP).sql(pretty=False)
    return [tuple(r) for r in spark.sql(f"SELECT {TALLIED} FROM ({sql}) ORDER BY _line").collect()]


def replay_sql(engine: str, policy: PolicySpec, baseline: PolicySpec | None, source: Input, *,
               on_rejects: Callable[[str], None] | None = None, master: str | None = None,
               years: tuple[int, int] | None = None, jobs: int | None = None) -> Tally:
    """Decide every line of `source` on `engine`; the Tally the Python engine would give."""
    tally = Tally()
    parquet = is_parquet(source.name)
    tmp = None
    try:
        if parquet:
            path = source.name
        else:
            tmp = tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False)  # noqa: SIM115
            with tmp:
                _good_lines(policy, source, tmp, tally, on_rejects, jobs)
            path = tmp.name
        rows = _rows(engine, policy, path, parquet, master, years)
        base = _rows(engine, baseline, path, parquet, master, years) if baseline is not None else None
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    if parquet:
        tally.lines = len(rows)
    for i, row in enumerate(rows):
        event_id, action, rule, forbidden_by, forbidden_action, guards, by, line, amount = row
        old = None
        if base is not None:
            b = base[i]
            old = (b[1], b[2], b[6])
        tally.add(amount, action, rule, by, tuple(guards or ()), forbidden_by, old, event_id, line)
    return tally


__all__ = ["ENGINES", "replay_sql", "is_parquet"]
