"""`simulate --engine duckdb`: the report the tally code gives for the reference decisions.

Bad lines are found by the same reader as the Python engine (same count, line
numbers and messages); decided lines are tallied from the SQL decisions, and
must give the report that the interpreter's decisions give, through the same
Tally and summarize. Parquet input gives the same counts.
"""
from __future__ import annotations

import json
from datetime import date

import pytest

from aftersale.backends import BACKENDS
from aftersale.diagnostics import AftersaleError
from aftersale.events import parse_event
from aftersale.policy import load
from aftersale.simulate import simulate
from aftersale.simulate.generate import events
from aftersale.simulate.report import summarize
from aftersale.simulate.tally import Tally

duckdb = pytest.importorskip("duckdb")

POLICY, BASELINE = "policies/douyin-assistant.policy", "policies/tea-house.policy"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    path = tmp_path_factory.mktemp("history") / "history.jsonl"
    lines = list(events(2_000, seed=5, start=date(2025, 12, 20), days=90, bad_rate=0.02))
    path.write_text("\n".join(lines[:1000]) + "\n\n" + "\n".join(lines[1000:]) + "\n", encoding="utf-8")
    return path


def reference_report(path) -> dict:
    """The report made by the tally code from the interpreter's decisions of every good line."""
    new, old = (BACKENDS["interpreter"](load(p).tree) for p in (POLICY, BASELINE))
    tally = Tally()
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n")[:-1], start=1):
        tally.lines += 1
        if not line.strip():
            tally.blank += 1
            continue
        try:
            event = parse_event(json.loads(line))
        except (ValueError, AftersaleError):
            tally.bad += 1
            continue
        d, b = new.decide(event, trace=False), old.decide(event, trace=False)
        tally.add(event.get(("request", "amount")), d.action, d.rule, d.decided_by, d.guards, d.forbidden_by,
                  (b.action, b.rule, b.decided_by), event.id, n)
    return summarize(tally, load(POLICY), load(BASELINE), str(path))


def test_duckdb_engine_reports_what_the_reference_decisions_add_up_to(history):
    got = simulate(POLICY, str(history), BASELINE, engine="duckdb")
    want = reference_report(history)
    assert got["events"] == want["events"] and got["events"]["bad"] > 0 and got["events"]["blank"] == 1
    for key in ("actions", "rules", "baseline", "changes"):
        assert got[key] == want[key], key


def test_duckdb_engine_reports_bad_lines_as_the_python_engine_does(history, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    got = simulate(POLICY, str(history), engine="duckdb", rejects=str(rejects))
    python = simulate(POLICY, str(history), jobs=1)
    assert got["bad_lines"] == python["bad_lines"] and got["events"] == python["events"]
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == got["events"]["bad"]


def test_one_process_and_every_core_give_the_same_report(history, tmp_path):
    """Each worker writes its good lines to its own file (one may get none): the report does not change."""
    twice = tmp_path / "twice.jsonl"   # more than one chunk of lines
    twice.write_text(history.read_text(encoding="utf-8") * 2, encoding="utf-8")
    alone = simulate(POLICY, str(twice), BASELINE, engine="duckdb", jobs=1)
    assert alone == simulate(POLICY, str(twice), BASELINE, engine="duckdb", jobs=2)
    assert alone["events"]["decided"] == 2 * simulate(POLICY, str(history), engine="duckdb")["events"]["decided"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n\nnot json\n', encoding="utf-8")
    for jobs in (1, 2):
        events = simulate(POLICY, str(bad), engine="duckdb", jobs=jobs)["events"]
        assert (events["decided"], events["bad"], events["blank"]) == (0, 2, 1)


def test_parquet_input_gives_the_same_decisions(history, tmp_path):
    good = tmp_path / "good.jsonl"
    lines = [x for x in history.read_text(encoding="utf-8").splitlines() if x.strip()]
    kept = []
    for line in lines:
        try:
            parse_event(json.loads(line))
            kept.append(line)
        except (ValueError, AftersaleError):
            continue
    good.write_text("\n".join(kept) + "\n", encoding="utf-8")
    parquet = tmp_path / "history.parquet"
    from aftersale.backends.sql.run_duckdb import connect, load_json_texts

    con = connect()
    load_json_texts(con, kept)
    con.execute(f"COPY events TO '{parquet}' (FORMAT parquet)")
    from_parquet = simulate(POLICY, str(parquet), engine="duckdb")
    from_jsonl = simulate(POLICY, str(good), engine="duckdb")
    assert from_parquet["events"]["decided"] == len(kept) == from_jsonl["events"]["decided"]
    assert from_parquet["actions"] == from_jsonl["actions"] and from_parquet["rules"] == from_jsonl["rules"]


def test_parquet_needs_a_sql_engine(tmp_path):
    with pytest.raises(AftersaleError, match="Parquet: read it with --engine duckdb"):
        simulate(POLICY, str(tmp_path / "x.parquet"))
