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


def _good_lines(policy: PolicySpec, source: Input, out, tally: Tally, on_rejects) -> None:
    """Check every line; write each good one to `out` with its line number as `_line`."""
    decider = Decider(policy, None, source.name, rejects=on_rejects is not None)
    for first, data in source.chunks():
        part = Tally()
        rejects: list[str] | None = [] if on_rejects is not None else None
        for n, text, _ in decider.events(first, data, part, rejects):
            brace = text.index("{")
            out.write(f'{{"_line":{n},{text[brace + 1:]}\n'.encode("utf-8"))
        tally.merge(part)
        if rejects and on_rejects is not None:
            on_rejects("".join(r + "\n" for r in rejects))


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
        return con.execute(f"SELECT * FROM ({sql}) ORDER BY _line").fetchall()
    from ..backends.sql.run_spark import ddl, session

    spark = session(master or "local[2]")
    if parquet:
        from pyspark.sql import functions as F

        frame = spark.read.parquet(path).withColumn("_line", F.monotonically_increasing_id() + 1)
    else:
        frame = spark.read.schema("_line BIGINT, " + ddl()).option("mode", "FAILFAST").json(path)
    frame.createOrReplaceTempView("events")
    sql = compile_query(tree, "spark", years, keep=KEEP).sql(pretty=False)
    return [tuple(r) for r in spark.sql(f"SELECT * FROM ({sql}) ORDER BY _line").collect()]


def replay_sql(engine: str, policy: PolicySpec, baseline: PolicySpec | None, source: Input, *,
               on_rejects: Callable[[str], None] | None = None, master: str | None = None,
               years: tuple[int, int] | None = None) -> Tally:
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
                _good_lines(policy, source, tmp, tally, on_rejects)
            path = tmp.name
        rows = _rows(engine, policy, path, parquet, master, years)
        base = _rows(engine, baseline, path, parquet, master, years) if baseline is not None else None
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    if parquet:
        tally.lines = len(rows)
    for i, row in enumerate(rows):
        event_id, action, rule, forbidden_by, forbidden_action, guards, _, line, amount = row
        by = "forbidden" if forbidden_action else "rule" if rule else "otherwise"
        old = None
        if base is not None:
            b = base[i]
            old = (b[1], b[2], "forbidden" if b[4] else "rule" if b[2] else "otherwise")
        tally.add(amount, action, rule, by, tuple(guards or ()), forbidden_by, old, event_id, line)
    return tally


__all__ = ["ENGINES", "replay_sql", "is_parquet"]
