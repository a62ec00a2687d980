"""`aftersale sql` and what the SQL backend refuses.

The printed query is run as printed on DuckDB over the base event; the Spark
query is read back by sqlglot's Spark parser; a construct with no exact SQL
is refused naming the rule, with exit code 2.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sqlglot

import aftersale
from aftersale.backends.sql import Refused, compile_query
from conftest import run_cli

duckdb = pytest.importorskip("duckdb")

from aftersale.backends.sql.run_duckdb import connect, load_json_texts  # noqa: E402

ROOT = Path(__file__).parents[2]
BASE = (ROOT / "policies" / "events" / "base-douyin.json").read_text(encoding="utf-8")


def aftersale_cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=ROOT)


def test_the_printed_duckdb_query_decides_events_as_printed():
    out = aftersale_cli("sql", "policies/douyin-assistant.policy", "--dialect", "duckdb")
    assert out.returncode == 0, out.stderr
    con = connect()
    event = json.loads(BASE)
    event["request"].update(reason="no_reason_7d", created_at="2026-11-18T20:00:00+08:00")  # an evening: off-hours
    event["order"]["delivered_at"] = "2026-10-01T10:00:00+08:00"  # too late for the 7-day rule
    load_json_texts(con, [json.dumps(event)])
    row = con.execute(out.stdout).fetchone()
    assert row[:5] == ("AS-BASE-DY", "approve_return", "off-hours", None, None)


def test_the_spark_query_reads_back_as_spark_sql():
    out = aftersale_cli("sql", "policies/kuaishou-store.policy", "--dialect", "spark", "--years", "2025-2027")
    assert out.returncode == 0, out.stderr
    assert "-- holiday calendar built for 2025-2027" in out.stdout
    tree = sqlglot.parse_one(out.stdout, read="spark")
    assert {a.alias for a in tree.expressions} >= {"event_id", "action", "rule", "forbidden_by", "recheck_at"}
    assert "FROM_UTC_TIMESTAMP" in out.stdout.upper() and "FILTER(" in out.stdout.upper()


def test_a_calendar_recheck_in_a_zone_with_daylight_saving_is_refused(tmp_path):
    policy = tmp_path / "berlin.policy"
    policy.write_text('policy "b"\ntimezone Europe/Berlin\nrule wk: when is_weekend(at) then approve_return\n',
                      encoding="utf-8")
    out = aftersale_cli("sql", str(policy))
    assert out.returncode == 2 and out.stdout == ""
    assert "rule `wk` cannot be translated to SQL: recheck_at through a calendar function" in out.stderr
    assert "berlin.policy:3:" in out.stderr


def test_a_calendar_of_a_fixed_timestamp_is_fine_in_any_zone():
    tree = aftersale.compile('policy "b"\ntimezone Europe/Berlin\n'
                             'rule wk: when is_weekend(request.created_at) then approve_return\n').tree
    assert "Europe/Berlin" in compile_query(tree, "duckdb").sql()


def test_a_date_outside_the_built_calendar_stops_the_query():
    tree = aftersale.compile('policy "h"\nholidays cn\nrule a: auto-approve returns on holidays\n').tree
    con = connect()
    load_json_texts(con, [BASE])
    with pytest.raises(duckdb.Error, match="outside the holiday calendar"):
        con.execute(compile_query(tree, "duckdb", years=(2019, 2020)).sql()).fetchall()
    assert con.execute(compile_query(tree, "duckdb", years=(2026, 2026)).sql()).fetchone()[1] == "manual_review"


def test_refusal_names_rule_and_construct():
    from aftersale import rules as ir
    from aftersale.values import MONEY, TEXT

    bad = ir.Rule("mixed", ir.Compare("<", ir.Field(("request", "amount"), MONEY),
                                      ir.Literal("x", TEXT)), action="reject")
    tree = ir.Policy("p", (bad,))
    with pytest.raises(Refused, match="rule `mixed` cannot be translated to SQL: comparing money and text"):
        compile_query(tree, "duckdb")


def test_the_douyin_query_is_the_golden_one():
    """Generation is deterministic; after a deliberate change: `aftersale sql policies/douyin-assistant.policy
    > tests/backends/fixtures/douyin-assistant.duckdb.sql`."""
    out = aftersale_cli("sql", "policies/douyin-assistant.policy")
    golden = ROOT / "tests" / "backends" / "fixtures" / "douyin-assistant.duckdb.sql"
    assert out.stdout == golden.read_text(encoding="utf-8")
