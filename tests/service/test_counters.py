"""Counters the policy reads: store.auto_refunded_today holds a daily budget under concurrency;
buyer.requests_30d counts the buyer's other requests."""
from __future__ import annotations

import json
import threading
from decimal import Decimal

from aftersale.events import parse_event

from .conftest import make_service

BUDGET = """policy "Budget"
timezone Asia/Shanghai
rule budget: never auto-refund requests where store.auto_refunded_today + request.amount > ¥5000
rule frequent: escalate requests where buyer.requests_30d >= 2
rule small: auto-refund refunds up to ¥3000
"""


def refund(event_id: str, amount: str = "300.00", at: str = "2026-11-21T10:00:00+08:00", buyer: str | None = None):
    obj = {"id": event_id, "platform": "douyin", "at": at,
           "request": {"kind": "refund_only", "reason": "lost", "amount": amount,
                       "created_at": "2026-11-21T09:00:00+08:00", "status": "pending_merchant"},
           "order": {"paid_amount": amount},
           "store": {"auto_refunded_today": "0"}}   # what a sender says is replaced by what the log counts
    if buyer is not None:
        obj["buyer"] = {"id": buyer}
    return obj


def decide(service, obj, store="s"):
    return service.decide(store, obj, parse_event(obj), json.dumps(obj))[0]


def test_fifty_concurrent_requests_never_exceed_the_daily_budget(log, clock):
    service = make_service(log, clock, "budget.policy", BUDGET)
    results, errors = [], []
    start = threading.Barrier(50)

    def send(n):
        start.wait()
        try:
            results.append(decide(service, refund(f"R-{n}")))
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 50
    refunds = [e for e in results if e["record"]["action"] == "approve_refund"]
    assert len(refunds) * Decimal("300.00") <= Decimal(5000)
    assert len(refunds) == 16          # decided one at a time: every approval that fits, and no more
    forbidden = [e for e in results if e["record"]["guards"] == ["budget"]]
    assert len(forbidden) == 34
    seen = sorted(_today(e) for e in results)
    assert seen[0] == 0 and seen[-1] == Decimal("4800.00")


def test_the_budget_is_per_day_in_the_policys_time_zone_and_per_store(log, clock):
    service = make_service(log, clock, "budget.policy", BUDGET)
    assert decide(service, refund("R-1", "2900.00", "2026-11-21T23:30:00+08:00"))["record"]["action"] == "approve_refund"
    # the same Shanghai day: ¥2900 + ¥2900 > ¥5000
    second = decide(service, refund("R-2", "2900.00", "2026-11-21T23:59:00+08:00"))
    assert second["record"]["guards"] == ["budget"]
    # 00:01 in Shanghai is a new day (still 2026-11-21 in UTC)
    third = decide(service, refund("R-3", "2900.00", "2026-11-22T00:01:00+08:00"))
    assert third["record"]["action"] == "approve_refund" and _today(third, "2900.00") == 0
    # another store has a budget of its own
    assert decide(service, refund("R-4", "2900.00", "2026-11-21T23:59:00+08:00"), store="t")["record"]["action"] \
        == "approve_refund"
    # a later event of an approved request does not count its money twice
    again = decide(service, refund("R-1", "2900.00", "2026-11-22T00:02:00+08:00"))
    assert _today(again, "2900.00") == Decimal("2900.00")
    fourth = decide(service, refund("R-5", "2000.00", "2026-11-22T00:03:00+08:00"))
    assert fourth["record"]["action"] == "approve_refund"


def test_requests_30d_counts_the_buyers_other_requests(log, clock):
    service = make_service(log, clock, "budget.policy", BUDGET)
    decide(service, refund("B-1", "10.00", "2026-10-01T10:00:00+08:00", buyer="b1"))   # over 30 days before B-4
    decide(service, refund("B-2", "10.00", "2026-11-10T10:00:00+08:00", buyer="b1"))
    decide(service, refund("B-3", "10.00", "2026-11-20T10:00:00+08:00", buyer="b1"))
    decide(service, refund("X-1", "10.00", "2026-11-20T10:00:00+08:00", buyer="b2"))
    fourth = decide(service, refund("B-4", "10.00", "2026-11-21T10:00:00+08:00", buyer="b1"))
    assert _compared(fourth, "buyer.requests_30d") == "2"
    assert fourth["record"]["rule"] == "frequent"
    nobody = decide(service, refund("N-1", "10.00", "2026-11-21T10:00:00+08:00"))
    assert nobody["record"]["rule"] == "small"   # no buyer id: nothing counted, the rule cannot hold


def _compared(entry, prefix: str) -> str | None:
    """The raw left-hand value of the first comparison in the record's trace whose text starts with `prefix`."""
    def walk(node):
        if node.get("node") == "compare" and node.get("text", "").startswith(prefix):
            value = node["values"][0]["value"]   # a typed value: {"type": "money", "amount": ...}
            return str(value.get("amount", value.get("value"))) if isinstance(value, dict) else str(value)
        for child in node.get("children") or []:
            found = walk(child)
            if found is not None:
                return found
        return None
    return next((v for v in (walk(rule["condition"]) for rule in entry["record"]["trace"]) if v is not None), None)


def _today(entry, amount: str = "300.00") -> Decimal:
    """store.auto_refunded_today as the service filled it (the guard compares it plus the amount)."""
    return Decimal(_compared(entry, "store.auto_refunded_today")) - Decimal(amount)
