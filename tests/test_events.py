"""Events: reading JSON, JSON arrays and JSON Lines; validating; typing values.

Golden cases for bad events live in `fixtures/events.yaml` (its header says
how). Typing and missing values are tested in code below.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import aftersale
from aftersale.runner.casefile import apply_overrides
from aftersale.diagnostics import AftersaleError
from aftersale.events import parse_event, read_events
from aftersale.values import MISSING
from conftest import base_event, cases

FIXTURES = Path(__file__).parent / "fixtures"


def event_with(overrides: dict) -> dict:
    return apply_overrides(base_event(), overrides, Path("events.yaml"), 1)


def input_text(case: dict) -> tuple[str, str]:
    """(file name, text) of a case's input."""
    if "input" in case:
        return "events.json", case["input"]
    if "set" in case:
        return "events.json", json.dumps(event_with(case["set"]), indent=2, ensure_ascii=False) + "\n"
    if "array" in case:
        items = [event_with(x["set"]) if isinstance(x, dict) and "set" in x else x for x in case["array"]]
        return "events.json", json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    lines = [json.dumps(event_with(x["set"]), ensure_ascii=False) if isinstance(x, dict) else x
             for x in case["lines"]]
    return "events.jsonl", "\n".join(lines) + "\n"


def outcomes(name: str, text: str) -> list:
    """`ok` or the diagnostics, for every event read from the text."""
    out = []
    for item in read_events(text, name):
        try:
            if item.error is not None:
                raise item.error
            parse_event(item.obj, source=name, line=item.line, text=item.text, index=item.index)
            out.append("ok")
        except AftersaleError as err:
            out.append([{"name": d.name, "at": f"{d.span.line}:{d.span.column}", "message": d.message}
                        for d in err.diagnostics])
            assert all(d.span.file == name for d in err.diagnostics)
    return out


@pytest.mark.parametrize("case", cases(FIXTURES / "events.yaml"))
def test_event_golden(case):
    assert outcomes(*input_text(case)) == case["expect"]


# -- typing ----------------------------------------------------------------------------

def test_money_is_decimal_whether_written_as_string_or_number():
    e = parse_event(event_with({"request.amount": "129.5", "order.paid_amount": 129.5}))
    assert e.get(("request", "amount")) == Decimal("129.5")
    assert isinstance(e.get(("order", "paid_amount")), Decimal)
    # a float from a Python caller is taken as its shortest decimal, not 129.4999...
    e = parse_event(event_with({"order.paid_amount": 0.1 + 0.2 - 0.3 + 129.5}))
    assert e.get(("order", "paid_amount")) == Decimal("129.5")


def test_json_numbers_are_read_as_decimals():
    [item] = read_events('{"x": 0.1}')
    assert item.obj["x"] == Decimal("0.1")


def test_timestamps_are_aware_and_keep_their_offset():
    e = parse_event(event_with({"request.created_at": "2026-11-21T14:14:00Z", "at": "2026-11-21T22:15:00+08:00"}))
    created = e.get(("request", "created_at"))
    assert isinstance(created, datetime) and created.utcoffset() == timedelta(0)
    assert e.get(("at",)) - created == timedelta(minutes=1)


def test_absent_optional_values_are_missing_not_errors():
    e = parse_event(event_with({"order.delivered_at": None, "buyer": None, "store": None}))
    assert e.get(("order", "delivered_at")) is MISSING
    assert e.get(("buyer", "risk_level")) is MISSING
    assert e.get(("request", "tracking", "verified")) is MISSING
    assert e.get(("request", "amount", "deeper")) is MISSING


def test_the_api_refuses_an_invalid_value_it_reads():
    policy = aftersale.load(Path(__file__).parent.parent / "policies" / "tea-house.policy")
    with pytest.raises(AftersaleError) as info:
        policy.decide(event_with({"buyer.risk_level": "hihg"}))  # the guard reads it first
    [d] = info.value.diagnostics
    assert d.name == "invalid-event" and d.span.file == "<event>"
    assert d.message == "`buyer.risk_level` is \"hihg\"; did you mean `high`?"
    with pytest.raises(AftersaleError):
        policy.decide([1, 2])  # type: ignore[arg-type]


def test_whole_event_validation_is_one_call_away_in_the_api():
    """decide(dict) checks the fields it reads (README, "How much of an event is validated");
    passing parse_event's result validates the whole event first, as the CLI does."""
    from aftersale.events import parse_event

    policy = aftersale.load(Path(__file__).parent.parent / "policies" / "tea-house.policy")
    bad = event_with({"order.payment": "onlinee", "request.reason": "other"})
    assert policy.decide(bad).action == "manual_review"  # order.payment is never read
    with pytest.raises(AftersaleError) as err:
        policy.decide(parse_event(bad))
    assert "did you mean `online`?" in str(err.value)


def test_a_json_array_of_many_events_is_located_quickly():
    events = [event_with({"id": f"E{i}"}) for i in range(500)]
    events[450]["request"]["kind"] = "nope"
    text = json.dumps(events, indent=2)
    results = outcomes("many.json", text)
    assert results.count("ok") == 499
    [bad] = [r for r in results if r != "ok"]
    assert bad[0]["message"].startswith("`[450].request.kind` is \"nope\"")
