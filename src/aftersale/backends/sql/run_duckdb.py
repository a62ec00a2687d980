"""Running a policy's query on embedded DuckDB: one event (the conformance backend) or a file of events."""
from __future__ import annotations

from datetime import timezone
from functools import cached_property
from typing import Any

from ... import rules as ir
from ...decision.decision import Decision, Origin, Outcome
from ...events import Event, parse_event
from .query import TABLE, compile_query
from .schema import column_types, json_structure


def connect():
    """An in-memory DuckDB whose session zone is UTC (the query converts to the policy's zone itself)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def row_type() -> str:
    """The events table's row as one DuckDB STRUCT type (to cast a JSON event to)."""
    cols = ", ".join(f'"{name}" {sql}' for name, sql in column_types("duckdb").items())
    return f"STRUCT({cols})"


def load_json_texts(con, texts: list[str], table: str = TABLE) -> None:
    """A table of events from JSON texts (each already validated by the event reader)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                "SELECT UNNEST(from_json(j, ?)) FROM (SELECT UNNEST(?) AS j)", [json_structure(), texts])


def decisions(con, sql: str):
    """(event_id, action, rule, forbidden_by, forbidden_action, guards, recheck_at, decided_by, ...) rows."""
    return con.execute(sql).fetchall()


class DuckDBPolicy:
    """The SQL backend on DuckDB behind the backends' protocol: each event is loaded into an in-memory
    table and the policy's one query decides it (slow per event; `simulate --engine duckdb` runs the
    same query over a whole file)."""

    def __init__(self, tree: ir.Policy):
        self.tree = tree
        self.query = compile_query(tree, "duckdb")
        self.sql = self.query.sql(pretty=False)

    @cached_property
    def con(self):
        return connect()

    def decide(self, event: Any, trace: bool = True) -> Decision:
        import json

        parsed = event if isinstance(event, Event) else parse_event(event)
        load_json_texts(self.con, [json.dumps(parsed.raw, default=str)])
        (row,) = decisions(self.con, self.sql)
        return to_decision(row, parsed, self.origin)

    @cached_property
    def origin(self) -> Origin:
        return Origin(self.tree)


def to_decision(row, event: Event, origin: Origin) -> Decision:
    event_id, action, rule, forbidden_by, forbidden_action, guards, recheck, decided_by = row[:8]
    at = event.get(("at",))
    if recheck is not None:
        recheck = recheck.replace(tzinfo=timezone.utc) if recheck.tzinfo is None else recheck
        recheck = recheck.astimezone(at.tzinfo) if at is not None and hasattr(at, "tzinfo") else recheck
    outcome = Outcome(action, rule, forbidden_by, forbidden_action, decided_by, origin)
    return Decision.make(outcome, event_id, at, tuple(guards or ()), recheck)


__all__ = ["DuckDBPolicy", "connect", "load_json_texts", "row_type", "to_decision"]
