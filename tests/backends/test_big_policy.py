"""A big policy (issue 11, item 30): its first parsed events are decided without generating code, and
the front ends do work in proportion to the policy (steps counted, never timed: bench/big_policy.py
times them)."""
from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

import aftersale
from aftersale.backends import compiled as compiled_module
from aftersale.events import parse_event
from aftersale.syntax import parser as parser_module

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench import workload  # noqa: E402

RULES = compiled_module.COMPACT_RULES + 36
BIG = workload.big_policy(RULES)
EVENTS = workload.generate(2 * compiled_module.WARM_UP_EVENTS + 4, seed=3)


def records(policy, events, trace: bool, parsed: bool) -> list[dict]:
    return [policy.decide(parse_event(e) if parsed else e, trace).to_json() for e in events]


@pytest.mark.parametrize("trace", [True, False])
def test_a_big_policy_decides_its_first_parsed_events_without_generating_code(trace):
    policy = aftersale.compile(BIG)
    compiled = policy._compiled
    warm = records(policy, EVENTS[:compiled_module.WARM_UP_EVENTS], trace, parsed=True)
    assert compiled._generated == {} and "plan" not in compiled.__dict__  # no code, not even its plan
    later = records(policy, EVENTS[compiled_module.WARM_UP_EVENTS:], trace, parsed=True)
    assert list(compiled._generated) == [trace]  # then the code is generated, once
    # the same records, trace included, as the generated code gives for the same events from the start
    reference = aftersale.compile(BIG)._compiled
    reference.warm_up = 0
    assert warm + later == [(reference.decide_traced(parse_event(e)) if trace else
                             reference.decide(parse_event(e), False)).to_json() for e in EVENTS]


def test_dicts_are_always_decided_by_the_generated_code():
    # the generated code reads a dict lazily; the interpreter would validate it whole first
    policy = aftersale.compile(BIG)
    policy.decide(EVENTS[0], False)
    assert list(policy._compiled._generated) == [False]


def test_a_small_policy_generates_its_code_at_once():
    policy = aftersale.compile(workload.POLICY)
    policy.decide(parse_event(EVENTS[0]))
    assert list(policy._compiled._generated) == [True]


def test_the_front_end_parses_each_character_about_once(monkeypatch):
    """Lark sees the whole file once, and a sentence's condition again (its `where` part or its template's
    expansion): never the rest of the file per rule. Doubling the rules doubles the characters parsed."""
    seen: list[int] = []
    lark = parser_module.parser()

    class Counting:
        def parse(self, text, start):
            seen.append(len(text))
            return lark.parse(text, start=start)

        def __getattr__(self, name):
            return getattr(lark, name)

    monkeypatch.setattr(parser_module, "parser", lambda: Counting())

    def parsed(n: int) -> tuple[int, int]:
        seen.clear()
        text = workload.big_policy(n)
        aftersale.compile(text)
        return len(seen), sum(seen)

    (calls, chars), (calls2, chars2) = parsed(100), parsed(200)
    text_chars = len(workload.big_policy(200))
    assert chars2 <= 1.5 * text_chars  # the file once, sentences' conditions a second time
    assert calls2 <= 2 * calls + 2 and chars2 <= 2 * chars + 1000


def test_the_front_end_runs_no_garbage_collection():
    """The parse tree and the rule tree of a big policy are millions of objects alive until the front
    end ends: Python's collector, walking them again and again as they grow, cost a third of its time."""
    text = workload.big_policy(400)
    collections: list[int] = []

    def count(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        aftersale.compile(text)
    finally:
        gc.callbacks.remove(count)
    assert collections in ([], [0])  # at most one, of the young objects, when the collector is on again
    assert gc.isenabled()
