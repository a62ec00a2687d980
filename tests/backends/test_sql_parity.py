"""The SQL backend decides a generated history exactly as the interpreter does, event by event.

Every shipped policy (policies/*.policy, policies/*.yaml, not the tests) over a
seeded `aftersale generate` history: action, rule, forbidding guard, guards in
force and recheck_at must all agree. 5,000 events by default; 100,000 with
`pytest -m slow`.
"""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

from aftersale.backends import BACKENDS
from aftersale.events import parse_event
from aftersale.policy import load
from aftersale.simulate.generate import events

duckdb = pytest.importorskip("duckdb")

from aftersale.backends.sql import compile_query  # noqa: E402
from aftersale.backends.sql.run_duckdb import connect, load_json_texts, to_decision  # noqa: E402
from aftersale.decision.decision import Origin  # noqa: E402

ROOT = Path(__file__).parents[2]
POLICIES = sorted([*ROOT.glob("policies/*.policy"),
                   *(p for p in ROOT.glob("policies/*.yaml") if not p.name.endswith(".tests.yaml"))])


@lru_cache(maxsize=1)
def history(count: int, seed: int) -> tuple[list[str], list]:
    """(lines, parsed events): a year and a half from late summer, so National Day, Spring Festival
    and their make-up working days are in it."""
    lines = list(events(count, seed=seed, start=date(2025, 9, 1), days=540))
    return lines, [parse_event(json.loads(line)) for line in lines]


def disagreements(policy_path: Path, count: int, seed: int) -> tuple[int, list]:
    lines, parsed = history(count, seed)
    tree = load(policy_path).tree
    reference, origin = BACKENDS["interpreter"](tree), Origin(tree)
    con = connect()
    load_json_texts(con, lines)
    rows = con.execute(compile_query(tree, "duckdb").sql(pretty=False)).fetchall()
    assert len(rows) == len(lines)
    wrong = []
    for event, row in zip(parsed, rows):
        want = reference.decide(event, trace=False)
        got = to_decision(row, event, origin)
        a = (want.event_id, want.action, want.rule, want.forbidden_by, tuple(want.guards), want.recheck_at)
        b = (got.event_id, got.action, got.rule, got.forbidden_by, tuple(got.guards), got.recheck_at)
        if a != b:
            wrong.append((a, b))
    return len(rows), wrong


@pytest.mark.parametrize("policy_path", POLICIES, ids=lambda p: p.name)
def test_duckdb_decides_history_like_the_interpreter(policy_path):
    n, wrong = disagreements(policy_path, 5_000, 14)
    assert n == 5_000
    assert not wrong, f"{len(wrong)} of {n} differ, first: {wrong[:3]}"


@pytest.mark.slow
@pytest.mark.parametrize("policy_path", POLICIES, ids=lambda p: p.name)
def test_duckdb_decides_100k_history_like_the_interpreter(policy_path):
    n, wrong = disagreements(policy_path, 100_000, 7)
    assert n == 100_000
    assert not wrong, f"{len(wrong)} of {n} differ, first: {wrong[:3]}"
