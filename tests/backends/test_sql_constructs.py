"""Constructs the conformance table touches lightly, each on DuckDB against the interpreter.

Every (policy, event change) pair below is decided by both; they must agree on
action, rule, forbidding guard, guards in force and recheck_at. Adding a case
is adding a line.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import aftersale
from aftersale.backends import BACKENDS

pytest.importorskip("duckdb")

from aftersale.backends.sql import compile_query  # noqa: E402
from aftersale.backends.sql.run_duckdb import connect, load_json_texts, to_decision  # noqa: E402
from aftersale.decision.decision import Origin  # noqa: E402
from aftersale.events import parse_event  # noqa: E402

BASE = json.loads((Path(__file__).parents[2] / "policies/events/base-douyin.json").read_text(encoding="utf-8"))

CONDITIONS = [
    'contains(request.tracking.number, "")', 'ends_with(request.tracking.number, "01")',
    'starts_with(lower(request.tracking.number), "sf")', "length(request.tracking.number) > 3",
    "count(order.items, item.quantity > 1) >= 1", "all(order.items, item.category == tea)",
    "any(order.items, item.price > ¥100)", "count(order.items) == 0", "order.items is missing",
    "request.warehouse.status in [inspected_ok, received]", "request.warehouse.status not in [received]",
    "request.created_at + 999999d > at", "at - request.created_at between 30m and 2h",
    "local_time(request.created_at) >= 10:00", "weekday(request.created_at) in [wed, thu]",
    "local_date(at) == 2026-11-18", "is_day_off(at)", "in_service_hours(at)",
    "age(order.delivered_at) < 20d", "buyer.return_rate >= 60%", "order.paid_amount - request.amount > ¥0",
    "not request.tracking.verified", "request.tracking.verified == false or buyer.risk_passed",
    "all(order.items, not not item.price > ¥100)", "any(order.items, not item.category == tea)",
    "count(order.items, not item.quantity > 1) >= 1",
]
CHANGES = [
    {},
    {"request": {"tracking": {"number": "SF1234501", "verified": False}}},
    {"order": {"items": []}},
    {"order": {"items": [{"sku": "A", "quantity": 2, "price": "150.00"}, {"sku": "B", "category": "tea"}]}},
    {"request": {"warehouse": {"status": "received"}}, "buyer": {"return_rate": 0.6}},
    {"at": "2026-11-21T23:59:59.999999+08:00", "order": {"delivered_at": "2026-11-01T00:00:00Z"}},
    {"at": "2026-10-01T09:00:00Z", "request": {"created_at": "2026-09-30T17:00:00-07:00", "amount": "0.01"}},
]


def merged(base: dict, change: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


@pytest.mark.parametrize("condition", CONDITIONS)
def test_duckdb_agrees_with_the_interpreter(condition):
    text = (f'policy "c"\nservice hours mon-fri 09:00-18:00\nholidays cn\n'
            f"rule g: never auto-approve requests where {condition}\n"
            f"rule a: when {condition} then approve_return\nrule b: when not ({condition}) then reject\n")
    tree = aftersale.compile(text).tree
    reference = BACKENDS["interpreter"](tree)
    events = [merged(BASE, {**change, "id": f"E{n}"}) for n, change in enumerate(CHANGES)]
    con, origin = connect(), Origin(tree)
    load_json_texts(con, [json.dumps(e) for e in events])
    rows = {row[0]: row for row in con.execute(compile_query(tree, "duckdb").sql(pretty=False)).fetchall()}
    for change, event in zip(CHANGES, events):
        want = reference.decide(event, trace=False)
        got = to_decision(rows[event["id"]], parse_event(event), origin)
        assert (got.action, got.rule, got.forbidden_by, tuple(got.guards), got.recheck_at) == \
            (want.action, want.rule, want.forbidden_by, tuple(want.guards), want.recheck_at), change
