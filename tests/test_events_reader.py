"""The one event reader: what it refuses and why, and that the published schema says the same thing.

Each refusal here was accepted before (issue 11 items 4, 6, 28, 29; product.md's amount rule).
"""
from __future__ import annotations

import copy
import gzip
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import aftersale
from aftersale.diagnostics import AftersaleError
from aftersale.events import parse_event, read_events
from aftersale.schema import validator
from aftersale.simulate.generate import events as generated

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import base_event  # noqa: E402


def with_value(path: str, value, event: dict | None = None) -> dict:
    e = copy.deepcopy(event or base_event())
    *parents, key = path.split(".")
    target = e
    for part in parents:
        target = target.setdefault(part, {})
    target[key] = value
    return e


def reader_accepts(e: dict) -> bool:
    try:
        parse_event(e)
        return True
    except AftersaleError:
        return False


def messages(e: dict) -> list[str]:
    with pytest.raises(AftersaleError) as info:
        parse_event(e)
    return [d.message for d in info.value.diagnostics]


# -- the schema users validate against is the one the reader enforces ----------------------------------

EDGES = [
    ("order.paid_amount", "299.99"), ("order.paid_amount", "299.999"), ("order.paid_amount", 299.99),
    ("order.paid_amount", 299.999), ("order.paid_amount", 0.29), ("order.paid_amount", "400\n"),
    ("order.paid_amount", "400"), ("order.paid_amount", "400 "), ("order.paid_amount", 1e12),
    ("order.paid_amount", 1.5e12), ("order.paid_amount", "1.230"), ("order.paid_amount", True),
    ("at", "2026-11-21T22:14:00.123456+08:00"), ("at", "2026-11-21T22:14:00.1234567+08:00"),
    ("at", "2026-11-21T22:14:00.123456789Z"), ("at", "2026-11-21T22:14:00+08:00\n"),
    ("at", "2026-11-21T22:14:00Z"), ("at", "2026-11-21 22:14+08:00"),
    ("request.evidence_count", 3), ("request.evidence_count", -1), ("request.evidence_count", 1.5),
    ("request.receipt_extended", True), ("request.receipt_extended", "yes"),
    ("request.platform_reason", "15"), ("request.platform_reason", 15),
    ("request.items", [{"sku": "A1", "quantity": 1}]), ("request.items", [{"quantity": 1}]),
    ("request.items", [{"sku": "A1", "price": "1"}]),
    ("store.auto_refunded_today", "1200.50"), ("store.auto_refunded_today", "12.345"),
    ("buyer.requests_30d", 0), ("buyer.requests_30d", -2), ("buyer.requests_30d", "3"),
]


@pytest.mark.parametrize("path, value", EDGES, ids=[f"{p}={v!r}" for p, v in EDGES])
def test_the_published_schema_and_the_reader_agree(path, value):
    """JSON text as a user's validator would read it (plain floats), and as the tool reads it."""
    e = with_value(path, value)
    e["order"]["paid_amount"] = e["order"]["paid_amount"] if path == "order.paid_amount" else "2000000000000"
    e["request"]["amount"] = "0.01"
    text = json.dumps(e)
    by_schema = validator("event").is_valid(json.loads(text))
    assert by_schema == reader_accepts(json.loads(text, parse_float=Decimal)) == reader_accepts(e)


def test_money_with_a_third_decimal_or_a_trailing_newline_is_refused_with_the_path():
    assert messages(with_value("order.paid_amount", 299.999))[0].startswith("`order.paid_amount` is 299.999")
    assert "`order.paid_amount`" in messages(with_value("order.paid_amount", "400\n"))[0]


# -- timestamps keep what the schema promises --------------------------------------------------------

def test_microseconds_are_kept_and_more_digits_are_refused_not_cut():
    kept = parse_event(with_value("at", "2026-11-21T22:14:00.999999+08:00")).get(("at",))
    assert kept.microsecond == 999999
    (message,) = messages(with_value("at", "2026-11-21T22:14:00.000000999+08:00"))
    assert message.startswith("`at` is") and "9 digits after the seconds' point" in message
    assert "6 kept (microseconds)" in message


# -- request.amount never exceeds order.paid_amount ----------------------------------------------------

def test_an_amount_over_the_paid_amount_is_refused_as_fen():
    e = base_event()
    e["request"]["amount"] = str(Decimal(e["order"]["paid_amount"]) * 100)
    (message,) = messages(e)
    assert message.startswith("`request.amount` is") and "more than `order.paid_amount`" in message
    assert "looks like it is in fen (分)" in message
    e["request"]["amount"] = e["order"]["paid_amount"]
    assert parse_event(e).get(("request", "amount")) == Decimal(e["order"]["paid_amount"])


def test_the_lazy_reads_of_decide_refuse_it_too():
    policy = aftersale.compile('policy "p"\nrule big:\n  when request.amount > ¥1\n  then manual_review\n')
    e = base_event()
    e["request"]["amount"] = "1000000.00"
    with pytest.raises(AftersaleError) as info:
        policy.decide(e, trace=False)
    assert "fen (分)" in info.value.diagnostics[0].message


def test_generated_history_never_asks_back_more_than_was_paid():
    for line in generated(2000, seed=4):
        e = json.loads(line)
        assert Decimal(e["request"]["amount"]) <= Decimal(e["order"]["paid_amount"])


# -- keys given twice ------------------------------------------------------------------------------------

def test_a_key_given_twice_is_refused_with_its_json_path():
    e = base_event()
    e.pop("buyer", None)
    text = json.dumps(e)[:-1] + ', "buyer": {"risk_level": "low", "risk_level": "high"}}'
    (item,) = list(read_events(text, "e.json"))
    assert item.error is not None
    assert "`buyer.risk_level` is given twice" in item.error.diagnostics[0].message


# -- optional fields policies can read --------------------------------------------------------------------

def test_the_new_optional_fields_are_typed_and_readable_by_policies():
    e = base_event()
    e["request"].update({"evidence_count": 2, "items": [{"sku": "A1", "quantity": 1}],
                         "receipt_extended": False, "platform_reason": "15"})
    e.setdefault("store", {})["auto_refunded_today"] = "1200.50"
    e.setdefault("buyer", {})["requests_30d"] = 4
    event = parse_event(e)
    assert event.get(("store", "auto_refunded_today")) == Decimal("1200.50")
    policy = aftersale.compile('policy "p"\nrule r:\n  when request.evidence_count >= 2 and '
                               'buyer.requests_30d > 3 and store.auto_refunded_today > ¥1000 and '
                               'not request.receipt_extended\n  then manual_review\n')
    for given in (e, event):
        assert policy.decide(given).rule == "r"
    assert policy.decide(base_event()).rule is None   # absent: the rule does not match


# -- a truncated gzip history --------------------------------------------------------------------------------

def test_a_truncated_gzip_history_decides_what_it_holds_and_reports_the_cut_line(tmp_path):
    from aftersale.simulate import simulate

    lines = list(generated(1500, seed=3))
    data = gzip.compress("".join(line.rstrip("\n") + "\n" for line in lines).encode())
    whole, cut = tmp_path / "whole.jsonl.gz", tmp_path / "cut.jsonl.gz"
    whole.write_bytes(data + data)   # two members, as `cat a.gz b.gz` makes
    cut.write_bytes(data[: len(data) // 2])
    policy = str(ROOT / "policies" / "tea-house.policy")
    full = simulate(policy, str(whole), None, jobs=1)
    assert full["events"]["decided"] == 3000 and full["events"]["bad"] == 0
    part = simulate(policy, str(cut), None, jobs=1)
    (bad,) = part["bad_lines"]["listed"]
    assert bad["name"] == "truncated-input" and bad["line"] == part["events"]["decided"] + 1 > 100
    assert "truncated" in bad["message"] and str(bad["line"]) in bad["message"]
