"""Lint's findings against the reference interpreter, on generated policies and events: no trust in the solver.

- a rule lint calls `shadowed-rule` ("can never decide") never decides a generated event;
- a rule lint calls `action-never-applies` never decides one;
- removing the conditions lint calls `redundant-condition` never changes a decision.

(`test_unsat_oracle.py` does the same for `unsatisfiable-rule`.) Besides the random policies, a few hand-written
ones exercise what version 2 changed: missing values, `not`, applicability and guards that fail closed.
"""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aftersale
from aftersale import rules as ir
from aftersale.backends.interpreter import Interpreter
from aftersale.events import parse_event
from aftersale.syntax.fmt import to_dsl
from aftersale.lint import lint_text

from conftest import base_event, examples
from hardening.strategies import events, policies


def _verdicts(tree: ir.Policy, evs: list[dict]):
    interp = Interpreter(tree)
    out = []
    for e in evs:
        v, _ = interp.verdict(parse_event(e), False)
        out.append((v.action, v.rule, v.forbidden_by))
    return out


def _at(span, node: ir.Node) -> bool:
    s = node.span
    return (s.line, s.column, s.end_line, s.end_column) == (span.line, span.column, span.end_line, span.end_column)


def _without(expr: ir.Expr, spans: list) -> ir.Expr:
    """The condition with the operands at `spans` taken out of their `and`/`or`."""
    if isinstance(expr, (ir.And, ir.Or)):
        kept = tuple(_without(x, spans) for x in expr.operands if not any(_at(s, x) for s in spans))
        return type(expr)(kept, span=expr.span)
    if isinstance(expr, ir.Not):
        return ir.Not(_without(expr.operand, spans), span=expr.span)
    return expr


def check(text: str, evs: list[dict]) -> None:
    tree = aftersale.compile(text, "dsl", "generated.policy").tree
    found = lint_text(text, "dsl", "generated.policy")
    decided = _verdicts(tree, evs)
    never = {d.rule for d in found if d.name == "action-never-applies"}
    never |= {d.rule for d in found if d.name == "shadowed-rule" and "can never decide" in d.message}
    for rule_id in never:
        for event, (_, rule, _) in zip(evs, decided):
            assert rule != rule_id, (rule_id, event)
    redundant: dict[str, list] = {}
    for d in found:
        if d.name == "redundant-condition":
            redundant.setdefault(d.rule, []).append(d.span)
    if redundant:
        rules = tuple(dataclasses.replace(r, when=_without(r.when, redundant[r.id])) if r.id in redundant else r
                      for r in tree.rules)
        assert _verdicts(dataclasses.replace(tree, rules=rules), evs) == decided, redundant


@settings(max_examples=examples(60), deadline=None)
@given(policies(max_rules=5), st.lists(events(), min_size=8, max_size=8))
def test_findings_hold_on_generated_events(tree, evs):
    check(to_dsl(tree), evs)


@pytest.mark.slow
@settings(max_examples=1_000, deadline=None)
@given(policies(max_rules=8), st.lists(events(), min_size=10, max_size=10))
def test_findings_hold_on_generated_events_many(tree, evs):
    check(to_dsl(tree), evs)


#: Version 2's changes, as lint must see them: each policy holds findings whose proof depends on them.
V2 = '''policy "v2"
rule unverified: never auto-approve requests where request.tracking.verified == false
rule transit: when request.status == return_in_transit then approve_return
rule pending: when request.status == pending_merchant and request.amount < ¥100 then approve_return
rule not-x: when request.tracking.number != "SF1" then reject
rule not-x-again: when not (request.tracking.number == "SF1") then reject
rule closed: when request.status in [refunded, closed] then manual_review
rule either: when request.tracking.number != "SF1" or request.tracking.number == "SF1" then manual_review
otherwise manual_review
'''


def _variants():
    """The base event in every kind and status, with and without tracking."""
    for kind in ("refund_only", "return_refund", "exchange"):
        for status in ("pending_merchant", "awaiting_return", "return_in_transit", "returned", "refunded", "closed"):
            for tracking in (None, {"number": "SF1", "verified": True}, {"number": "YT2", "verified": False}):
                e = base_event()
                e["request"]["kind"], e["request"]["status"] = kind, status
                e["request"].pop("tracking", None)
                if tracking is not None:
                    e["request"]["tracking"] = dict(tracking)
                for amount in ("50.00", "129.00"):
                    e = dict(e, request=dict(e["request"], amount=amount))
                    yield e


def test_version_2_findings_hold_on_every_state():
    found = {(d.name, d.rule) for d in lint_text(V2, "dsl", "v2.policy")}
    assert ("action-never-applies", "transit") in found and ("action-never-applies", "closed") in found
    assert ("redundant-condition", "pending") in found
    # `x != a` and `not (x == a)` agree under three-valued logic: the second is shadowed by the first
    assert ("shadowed-rule", "not-x-again") in found
    # ... and neither matches a missing number, so `either` still decides requests with one
    assert ("shadowed-rule", "either") not in found
    check(V2, list(_variants()))
