"""The SQL backend decides a generated history exactly as the interpreter does, event by event.

Every shipped policy (policies/*.policy, policies/*.yaml, not the tests) and
policies generated from every construct of the language (seeded, see
parity.py) over a seeded `aftersale generate` history: action, rule,
forbidding guard, guards in force and recheck_at must all agree. A few
thousand events by default; 100,000 with `pytest -m slow`. A generated policy
may be refused at compile time (with its message), never decided differently.
"""
from __future__ import annotations

import pytest

from aftersale.backends.sql import Refused
from aftersale.policy import load

from .parity import SHIPPED, differences, generated, history, on_duckdb, on_python, reference

duckdb = pytest.importorskip("duckdb")

#: Generated policies the default run checks (the slow run and bench/engines_parity.py check more).
GENERATED = 6


def check(tree, count: int, seed: int) -> None:
    lines, parsed = history(count, seed)
    want = reference(tree, parsed)
    for engine, got in (("python", on_python(tree, parsed)), ("duckdb", on_duckdb(tree, lines, parsed))):
        wrong = differences(want, got)
        assert not wrong, f"{engine}: {len(wrong)} of {count} differ, first: {wrong[:3]}"


@pytest.mark.parametrize("policy_path", SHIPPED, ids=lambda p: p.name)
def test_duckdb_decides_history_like_the_interpreter(policy_path):
    check(load(policy_path).tree, 5_000, 14)


@pytest.mark.parametrize("n", range(GENERATED))
def test_duckdb_decides_generated_policies_like_the_interpreter(n):
    text, tree = generated(GENERATED, 2026)[n]
    try:
        check(tree, 2_000, 14)
    except Refused as refused:  # allowed: a clear message at compile time, naming a rule and the construct
        assert "cannot be translated to SQL" in str(refused), text


@pytest.mark.slow
@pytest.mark.parametrize("policy_path", SHIPPED, ids=lambda p: p.name)
def test_duckdb_decides_100k_history_like_the_interpreter(policy_path):
    check(load(policy_path).tree, 100_000, 7)


@pytest.mark.slow
@pytest.mark.parametrize("n", range(24))
def test_duckdb_decides_100k_history_with_generated_policies_like_the_interpreter(n):
    text, tree = generated(24, 7)[n]
    try:
        check(tree, 100_000, 7)
    except Refused as refused:
        assert "cannot be translated to SQL" in str(refused), text
