"""The compiled schema check agrees with the exact path: whatever it accepts, jsonschema accepts, typed the same."""
from __future__ import annotations

import copy
import json
import random
from decimal import Decimal

import pytest

from aftersale.diagnostics import AftersaleError
from aftersale.events import parse_event
from aftersale.events.compiled import FAIL, _converter, _Generator, Unsupported, compiled_check
from aftersale.events.reader import compiled_event, exact_event
from aftersale.simulate.generate import events

DECODE = json.JSONDecoder(parse_float=Decimal).decode

ODD = [None, True, False, 0, 1, -1, Decimal("1.0"), Decimal("0.001"), Decimal("1e13"), 1.5, "", "x", "1.234",
       "129.00", "-5", "2026-11-21T22:14:00+08:00", "2026-11-21T22:14:00", "2026-13-01T00:00:00+08:00",
       "2026-11-21T22:14Z", "2026-11-21 22:14:00.123+08:00", "2026-02-30T10:00:00+08:00", "low", "none",
       "return_refund", [], [{}], [{"sku": "A"}], {}, {"status": "none"}, "a" * 201,
       "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00", "2026-11-21T22:14:00+08:00\n"]


class FAST:  # noqa: N801 - the compiled path, as parse_event takes it
    parse = staticmethod(lambda obj: compiled_event(obj) if type(obj) is dict else None)


def slow(obj):
    try:
        return exact_event(obj)
    except AftersaleError:
        return None


def leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield path + (k,)
            yield from leaves(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield path + (i,)
            yield from leaves(v, path + (i,))


def replaced(obj, path, value):
    out = copy.deepcopy(obj)
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


def check(obj):
    fast, ref = FAST.parse(obj), slow(obj)
    if fast is not None:
        assert ref is not None, f"fast path accepted an invalid event: {obj}"
        assert fast.data == ref.data
        assert fast.id == ref.id


def test_the_fast_path_is_compiled_for_the_shipped_schema():
    source, _ = _Generator(__import__("aftersale.schema", fromlist=["x"]).load_schema("event")).build()
    assert "def check(x):" in source and compiled_check()({}) is FAIL


def test_generated_history_is_accepted_and_typed_as_parse_event_types_it():
    for line in events(300, seed=11):
        obj = DECODE(line)
        fast = FAST.parse(obj)
        assert fast is not None, line
        assert fast.data == parse_event(obj).data


def test_every_shipped_event_agrees():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "policies" / "events"
    for path in folder.glob("*.json"):
        obj = DECODE(path.read_text(encoding="utf-8"))
        assert FAST.parse(obj) is not None
        check(obj)


def test_odd_values_anywhere_never_slip_through():
    rng = random.Random(5)
    base = [DECODE(line) for line in events(12, seed=2)]
    tried = 0
    for obj in base:
        paths = list(leaves(obj))
        for path in paths:
            for value in rng.sample(ODD, 8) + [KeyError]:
                check(replaced(obj, path, value))
                tried += 1
        for where in [(), ("request",), ("order",), ("buyer",), ("store",), ("order", "items", 0)]:
            try:
                extended = replaced(obj, where + ("surprise",), 1) if where else dict(obj, surprise=1)
            except (KeyError, IndexError):
                continue
            check(extended)
            assert FAST.parse(extended) is None
    assert tried > 1000


@pytest.mark.parametrize("value, accepted", [
    ("129.00", True), (129, True), (Decimal("129.5"), True), (Decimal("129.555"), False), ("129.555", False),
    (True, False), ("¥129", False), (Decimal("1e13"), False), ("1.", False), (".5", False), ("-0.00", True),
    ("+1.00", False), (" 1.00", False), ("1e2", False), ("١٢٣.٤٥", False), (Decimal("1.230"), True),
    ("129.00\n", False), (299.999, False), (Decimal("299.999"), False), (0.29, True),
    (Decimal("1E+2"), True), (0, True),
])
def test_money_like_parse_event(value, accepted):
    """Decimal("1.230") is a whole number of fen, so the schema's `multipleOf: 0.01` takes it (it was refused)."""
    obj = DECODE(next(events(1, seed=1)))
    obj["order"]["paid_amount"] = "1000.00"
    obj["request"]["amount"] = value
    assert (FAST.parse(obj) is not None) == accepted
    check(obj)


def test_the_money_converter_matches_events_convert():
    """On what the schema lets through (a text matching its pattern, any number), as typed.convert types it."""
    from aftersale.events.typed import convert
    from aftersale.values import MONEY

    money = _converter(MONEY)
    for value in ["1", "1.23", "1.2", "-0.00", "-12", 5, 0.29, 299.999, Decimal("0.001"), Decimal("1E+3"),
                  Decimal("1.230")]:
        try:
            want = convert(value, MONEY, "x")
        except (ValueError, ArithmeticError):
            want = FAIL
        got = money(value)
        assert got == want if want is not FAIL else got is FAIL, value


def test_an_unsupported_schema_turns_the_fast_path_off():
    with pytest.raises(Unsupported):
        _Generator({"type": "object", "oneOf": [{"required": ["a"]}]}).build()


def test_every_odd_value_at_every_place_of_one_event():
    obj = DECODE(next(events(1, seed=8)))
    for path in list(leaves(obj)):
        for value in ODD + [KeyError]:
            check(replaced(obj, path, value))
