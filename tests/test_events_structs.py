"""The msgspec path (`events.decode`): the reader's Event for every good event, the reader's messages otherwise."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from aftersale.diagnostics import AftersaleError
from aftersale.events import decode, parse_event, read_events
from aftersale.events.structs import fast_event, fast_reader
from aftersale.events.text import DECODER
from aftersale.simulate.generate import events
from conftest import base_event, cases
from test_events import FIXTURES, event_with, input_text

CASES = cases(FIXTURES / "events.yaml")


def same(a, b, path="") -> None:
    """Equal values of the same types all the way down (Decimal('12.50') is not Decimal('12.5') here)."""
    assert type(a) is type(b), path
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b and str(a) == str(b), path
        if hasattr(a, "tzinfo"):
            assert a.utcoffset() == b.utcoffset(), path


def exact_event(text: str):
    return parse_event(DECODER.decode(text), text=text)


def test_generated_events_decode_in_c_to_the_readers_event():
    lines = list(events(3000, 7))
    for line in lines:
        for data in (line, line.encode()):
            event = fast_event(data)
            assert event is not None, line   # the fast path took it: this compares two readers
            reference = exact_event(line)
            same(event.data, reference.data)
            same(event.raw, reference.raw)
            assert event.id == reference.id


@pytest.mark.parametrize("overrides", [
    {"order.paid_amount": 129.5, "request.amount": 12},            # money as numbers
    {"order.paid_amount": 1e3},                                        # an exponent
    {"buyer.return_rate": 0.25, "buyer.requests_30d": 3, "request.evidence_count": 0},
    {"at": "2026-11-21 22:14:00.123456Z"},
    {"order.items": [{"sku": "A", "price": "1.00", "quantity": 2, "tags": ["x", "中文"]}]},
    {"request.items": [{"sku": "A", "quantity": 1}]},
])
def test_numbers_and_shapes_type_as_the_reader_types_them(overrides):
    text = json.dumps(event_with(overrides), ensure_ascii=False)
    reference = exact_event(text)
    event = decode(text)
    same(event.data, reference.data)
    same(event.raw, reference.raw)


@pytest.mark.parametrize("overrides", [
    {"buyer.return_rate": json.loads("1.00000000000000000001", parse_float=Decimal)},  # over 1, equal as a float
    {"order.paid_amount": json.loads("12.345", parse_float=Decimal)},                  # not whole fen
    {"request.amount": "130.00", "order.paid_amount": "129.00"},                        # more than paid
    {"at": "2026-02-30T10:00:00+08:00"},                                                # no such day
    {"buyer.return_rate": json.loads("1e-99", parse_float=Decimal)},                    # too many digits
])
def test_what_msgspec_cannot_check_is_refused_after_decoding(overrides):
    text = json.dumps(event_with(overrides), default=str).replace('"1.00000000000000000001"', "1.00000000000000000001")
    for key in ("12.345", "1E-99"):
        text = text.replace(f'"{key}"', key)
    assert fast_event(text) is None
    with pytest.raises(AftersaleError):
        exact_event(text)


def test_a_key_given_twice_is_left_to_the_reader():
    text = json.dumps(base_event())
    for twice in (text[:-1] + ', "id": "B"}', text[:-1] + ', "id" : "B"}', text[:-1] + ',\n"id"\t:"B"}'):
        assert msgspec.json.decode(twice)["id"] == "B"   # msgspec alone keeps the last one
        assert fast_event(twice) is None
        with pytest.raises(AftersaleError) as err:
            decode(twice, source="e.jsonl", line=4)
        assert "`id` is given twice" in err.value.diagnostics[0].message
        assert err.value.diagnostics[0].span.line == 4


def test_a_colon_inside_a_text_does_not_hide_the_event():
    text = json.dumps(event_with({"request.platform_reason": 'say ":" twice": "'}))
    assert fast_event(text) is None or fast_event(text).data == exact_event(text).data
    same(decode(text).data, exact_event(text).data)


def test_the_structs_come_from_the_schema():
    struct = fast_reader().struct
    names = [f.name for f in msgspec.structs.fields(struct)]
    from aftersale.schema import load_schema

    assert names == list(load_schema("event")["properties"])
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        msgspec.json.decode(json.dumps({**base_event(), "extra": 1}), type=struct)


def _diagnostics(call):
    try:
        event = call()
        return "ok", event
    except AftersaleError as err:
        return [(d.name, d.span.file, d.span.line, d.span.column, d.message) for d in err.diagnostics], None


@pytest.mark.parametrize("case", CASES)
def test_bad_events_keep_the_readers_messages(case):
    """Every event of every fixture case, one at a time: `decode` says exactly what the reader says."""
    name, text = input_text(case)
    items = list(read_events(text, name))
    if any(item.index is not None for item in items):
        pytest.skip("a JSON array: decode reads one event")
    whole = len(items) == 1 and (items[0].text == text or items[0].error is not None)
    rows = text.split("\n")
    for item in items:
        own, line = (text, 1) if whole else (rows[item.line - 1], item.line)
        got, event = _diagnostics(lambda: decode(own, source=name, line=line))
        if item.error is not None:
            want = _diagnostics(lambda: (_ for _ in ()).throw(item.error))[0]
        else:
            want, reference = _diagnostics(lambda: parse_event(item.obj, source=name, line=item.line,
                                                               text=item.text))
        assert got == want
        if want != "ok":
            assert fast_event(own) is None   # the fast path never accepts what the reader refuses
        else:
            same(event.data, reference.data)


def fast_agrees(text: str, taken: bool) -> None:
    """The fast path never accepts what the exact reader refuses; what it accepts reads the same; and it
    takes the event itself where `taken` (else it may leave it to the exact reader)."""
    event = fast_event(text)
    try:
        reference = exact_event(text)
    except AftersaleError:
        assert event is None
        return
    assert event is not None or not taken
    if event is not None:
        same(event.data, reference.data)


@pytest.mark.parametrize("number", ["0.5000", "1E-7", "1.0", "0.000000000000000000000000000001", "1.0000000000000000001",
                                    "-0.0", "1e0", "0.01"])
def test_a_number_with_a_fraction_is_judged_as_the_reader_judges_it(number):
    """The generated check's quick test of a bounded number (return_rate, 0 to 1)."""
    fast_agrees(json.dumps(event_with({"buyer.return_rate": "@"})).replace('"@"', number),
                number in ("0.5000", "1.0", "-0.0", "0.01"))


@pytest.mark.parametrize("overrides", [
    {"request.amount": "12.5"}, {"request.amount": "1e2"}, {"request.amount": " 12.00"}, {"request.amount": "12.00\n"},
    {"request.amount": "+12.00"}, {"request.amount": "1٢.00"}, {"request.amount": "1234567890123.00"},
    {"order.items": [{"sku": "A", "price": "1.5", "quantity": 1, "tags": []}]},
    {"order.items": [{"sku": "A", "price": "1.555", "quantity": 1, "tags": []}]},
    {"at": "2026-11-21 22:14:00+08:00"}, {"at": "2026-11-21t22:14:00+08:00"}, {"at": "2026-11-21T22:14:00z"},
    {"at": "2026-11-21T22:14+08:00"}, {"at": "2026-11-21T22:14:00.1234567+08:00"}, {"at": "2026-11-21T22:14:00+0800"},
    {"at": "2026-11-21T22:14:00+08:00\n"}, {"at": "2026-11-2１T22:14:00+08:00"}, {"at": "9999-11-21T22:14:00+08:00"},
    {"at": "2026-11-21T22:14:00-00:00"}, {"order.paid_at": "2026-13-01T00:00:00Z"},
    {"at": "2026-11-21T22:14:00+24:00"}, {"at": "2026-11-21T22:14:00+23:59"}, {"at": "0001-01-01T00:00:00Z"},
    {"at": "9998-12-31T23:59:59-23:59"}, {"at": "9999-01-01T00:00:00+08:00"}, {"at": "2026-02-29T00:00:00Z"},
    {"at": "2024-02-29T00:00:00Z"}, {"at": "2026-11-21T22:14:00.123+08:00"}, {"at": "2026-11-21T22:14:60+08:00"},
    {"order.items": [{"sku": "A", "price": "1.00", "quantity": 1, "tags": [], "added_at": "x"}]},
])
def test_money_and_timestamp_texts_meet_their_patterns_after_decoding(overrides):
    """The Struct the reader decodes with leaves these patterns to the generated check: it accepts a text
    only where the exact reader does, with the same values (a time without seconds, which msgspec does
    not read as a datetime, is left to the exact reader)."""
    text = json.dumps(event_with({"order.paid_amount": "9999999999.00", **overrides}), ensure_ascii=False)
    fast_agrees(text, overrides.get("at") != "2026-11-21T22:14+08:00")
