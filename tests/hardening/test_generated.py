"""Generated policies and events: the properties every policy and every event must keep.

For each generated policy (a rule tree, see strategies.py):
- `fmt` to DSL re-parses to the same tree, and to YAML too; formatting is idempotent;
For each generated (policy, event) pair:
- the traced and the `trace=False` paths agree on action, rule, guards and forbidden action,
  and the DSL and YAML forms of the policy decide alike;
- every condition's traced result equals its fast-path result, and the decision follows the
  documented order (guards, then the first matching rule, then otherwise);
- the decision record matches schema/decision.json, survives JSON, and explain renders it
  (plain, full, and --why-not for every rule and for an unknown one) without failing;
- deciding is deterministic: again, and after compiling the same text again.

The default run checks 40 policies with up to 4 events each (120 with AFTERSALE_EXAMPLES=full, see
tests/conftest.py); `pytest -m slow tests/hardening` checks 10,000 pairs.
"""
from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aftersale
from aftersale import rules as ir
from aftersale import semantics as sem
from aftersale.backends.interpreter import Interpreter, Scope, holds, traced
from aftersale.events import parse_event, read_events
from aftersale.explain.render import headline, render
from aftersale.syntax.fmt import to_dsl, to_yaml
from aftersale.schema import validator

from conftest import examples

from .strategies import event_json, events, policies

#: How many pairs the runs checked, by test (printed with `-s`, asserted by the slow test).
CHECKED: Counter = Counter()


def round_trip(tree: ir.Policy) -> tuple[aftersale.Policy, aftersale.Policy]:
    """The policy compiled from its DSL and from its YAML form, after checking both give `tree`."""
    dsl = to_dsl(tree)
    from_dsl = aftersale.compile(dsl, "dsl", "generated.policy")
    assert from_dsl.tree == tree, f"DSL does not re-parse to the tree:\n{dsl}\n{ir.dump(from_dsl.tree)}"
    assert to_dsl(from_dsl.tree) == dsl, "formatting DSL twice changed it"
    yaml_text = to_yaml(from_dsl.tree)
    from_yaml = aftersale.compile(yaml_text, "yaml", "generated.yaml")
    assert from_yaml.tree == tree, f"YAML does not re-parse to the tree:\n{yaml_text}"
    assert to_yaml(from_yaml.tree) == yaml_text, "formatting YAML twice changed it"
    assert to_dsl(from_yaml.tree) == dsl, "YAML → DSL differs from the DSL"
    return from_dsl, from_yaml


def expected_decision(policy: ir.Policy, scope: Scope) -> tuple:
    """The documented decision order (semantics.decide, version 2) on the fast path's `holds`."""
    request = ("request",)
    v = sem.decide(policy.guards, policy.deciding_rules, policy.otherwise, scope.event.get(request + ("kind",)),
                   scope.event.get(request + ("status",)), lambda rule: holds(rule.when, scope))
    return v.action, v.rule, v.guards, v.forbidden_action


def key(decision) -> tuple:
    return decision.action, decision.rule, tuple(decision.guards), decision.forbidden_action


def check_pair(from_dsl: aftersale.Policy, from_yaml: aftersale.Policy, event: dict) -> None:
    parsed = parse_event(event)  # generated from the schema: must be valid
    traced_decision = from_dsl.decide(parsed)
    fast = from_dsl.decide(parsed, trace=False)
    assert key(traced_decision) == key(fast), "trace=True and trace=False disagree"
    assert key(from_yaml.decide(parsed, trace=False)) == key(fast), "the DSL and YAML forms disagree"

    interpreter = Interpreter(from_dsl.tree)
    scope = Scope(parsed, interpreter.context(parsed))
    for rule in from_dsl.rules:
        assert traced(rule.when, scope).result == holds(rule.when, scope), f"rule {rule.id}: traced != holds"
    assert key(fast) == expected_decision(from_dsl.tree, scope)

    record = traced_decision.to_json()
    problems = [e.message for e in validator("decision").iter_errors(record)]
    assert not problems, problems[:3]
    stored = json.loads(json.dumps(record, ensure_ascii=False))
    assert stored == record, "the record does not survive JSON"
    assert from_dsl.decide(parsed).to_json() == record, "deciding twice differs"

    for rec in (stored, fast.to_json()):
        assert headline(rec)
        assert render(rec)
        assert render(rec, full=True)
        for rid in [r.id for r in from_dsl.rules] + ["no-such-rule"]:
            assert render(rec, why_not=rid)

    from_json = [item for item in read_events(event_json(event), "generated.jsonl")]
    assert len(from_json) == 1 and from_json[0].error is None
    again = parse_event(from_json[0].obj, source="generated.jsonl", text=from_json[0].text)
    assert key(from_dsl.decide(again, trace=False)) == key(fast), "the event read from JSON decides differently"


def check(tree: ir.Policy, evs: list[dict], counter: str) -> None:
    from_dsl, from_yaml = round_trip(tree)
    recompiled = aftersale.compile(to_dsl(tree), "dsl", "generated.policy")
    for event in evs:
        check_pair(from_dsl, from_yaml, event)
        assert recompiled.decide(event).to_json() == from_dsl.decide(event).to_json(), "not deterministic"
    CHECKED[counter] += len(evs)
    CHECKED[counter + " policies"] += 1


@settings(max_examples=examples(120))
@given(policies(), st.lists(events(), min_size=1, max_size=4))
def test_generated_pairs(tree, evs):
    check(tree, evs, "default")


@pytest.mark.slow
def test_ten_thousand_generated_pairs():
    """`pytest -m slow`: 2,000 policies × 5 events."""

    @settings(max_examples=2_000)
    @given(policies(max_rules=8), st.lists(events(), min_size=5, max_size=5))
    def run(tree, evs):
        check(tree, evs, "slow")

    run()
    print(f"\nchecked {CHECKED['slow']:,} generated (policy, event) pairs "
          f"over {CHECKED['slow policies']:,} policies")
    assert CHECKED["slow"] >= 10_000
