"""The line check of `simulate --engine duckdb|spark` (the fast reader, `fast_event`) accepts only lines the
exact reader takes (it may doubt good ones: the exact reader then decides).

A line it accepted wrongly would be decided by the data engine instead of being reported bad, so every
case here is one where a cheap check could be fooled: keys twice, impossible dates, years out of range,
numbers whose exact value differs from their float, escapes, money over the paid amount.
"""
from __future__ import annotations

import json
import random
from datetime import date

import pytest

from aftersale.diagnostics import AftersaleError
from aftersale.events.structs import exact, fast_event
from aftersale.simulate.generate import events, spoil

GOOD = next(events(1, seed=3, start=date(2026, 3, 1), days=1))


def accepts(line: bytes) -> bool:
    return fast_event(line) is not None


def reader_takes(line: bytes) -> bool:
    try:
        exact(line)
    except AftersaleError:
        return False
    return True


def edit(**changes) -> bytes:
    event = json.loads(GOOD)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = event
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return json.dumps(event, separators=(",", ":")).encode()


TRICKY = [
    GOOD.replace('"platform":', '"platform":"douyin","platform":', 1).encode(),   # a key twice
    GOOD.replace('"id":', '"id" :', 1).encode(),
    edit(at="2026-02-30T10:00:00+08:00"),
    edit(at="2026-03-01t10:00:00z"),
    edit(at="2026-03-01T10:00:00.1234567+08:00"),
    edit(at="2026-03-01T10:00:00+08:60"),
    edit(at="2026-03-01T10:00+08:00"),
    edit(at="0001-03-01T10:00:00+08:00"),
    edit(at="9999-03-01T10:00:00+08:00"),
    edit(id='A"B'),
    edit(id="A\u0000B"),
    edit(request__amount="99999.00"),
    edit(request__amount=12.5),
    edit(order__paid_amount=299.999),
    edit(buyer__return_rate=1e-300),
    edit(buyer__return_rate=0),
    edit(buyer__return_rate=1),
    b'{"_":1}',
    GOOD.replace('"return_rate":', '"return_rate":1.00000000000000000001,"x":', 1).encode(),
    GOOD.replace('"return_rate":0.', '"return_rate":1.0000000000000000000000001', 1).encode(),
    GOOD.replace('"return_rate":0.', '"return_rate":0.0000000000000000000000000000001', 1).encode(),
    GOOD.replace('"return_rate":0.', '"return_rate":1E-1', 1).encode(),
    ("\ufeff" + GOOD).encode(),
    GOOD.encode() + b" ",
    GOOD.encode()[:-1],
]


@pytest.mark.parametrize("line", TRICKY, ids=range(len(TRICKY)))
def test_an_accepted_tricky_line_is_one_the_reader_takes(line):
    assert not accepts(line) or reader_takes(line)


def test_accepted_lines_are_taken_and_good_generated_lines_are_accepted():
    rng = random.Random(11)
    lines = list(events(3_000, seed=4, start=date(2025, 12, 1), days=120))
    assert sum(accepts(x.encode()) for x in lines) == len(lines)  # the fast way is the usual one
    spoiled = [spoil(x, rng).encode() for x in lines[:1_500]]
    wrong = [x for x in spoiled if accepts(x) and not reader_takes(x)]
    assert not wrong, wrong[:3]
    assert any(not accepts(x) for x in spoiled)


def test_most_tricky_lines_are_bad_so_the_cases_above_test_something():
    assert sum(not reader_takes(x) for x in TRICKY) >= len(TRICKY) // 2
