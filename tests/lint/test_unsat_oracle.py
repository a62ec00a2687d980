"""`unsatisfiable-rule` is a proof: an oracle that does not trust the solver (issue 11, item 7).

Generated policies are linted, and generated schema-valid events are decided by the evaluator: no event
ever matches a rule lint calls unsatisfiable. Targeted cases cover what the solver encoding once got wrong.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aftersale
from aftersale.backends.interpreter import Interpreter, Scope, holds
from aftersale.events import parse_event
from aftersale.syntax.fmt import to_dsl
from aftersale.lint import lint_text
from aftersale.semantics import closed

from conftest import base_event, examples
from hardening.strategies import events, policies


def _truth(tree, rule_id: str, event: dict):
    """The rule's condition on the event, three-valued, by the reference interpreter."""
    parsed = parse_event(event)
    return holds(tree.rule(rule_id).when, Scope(parsed, Interpreter(tree).context(parsed)))


def _matches(tree, rule_id: str, event: dict) -> bool:
    """A rule matches where its condition is true; a guard acts (forbids) where it is not false, on open requests."""
    rule, truth = tree.rule(rule_id), _truth(tree, rule_id, event)
    if rule.is_guard:
        return truth is not False and not closed(event["request"]["status"])
    return truth is True


def _unsatisfiable(text: str) -> list[str]:
    return [d.rule for d in lint_text(text) if d.name == "unsatisfiable-rule"]


@settings(max_examples=examples(60), deadline=None)
@given(policies(max_rules=5), st.lists(events(), min_size=8, max_size=8))
def test_no_generated_event_matches_a_rule_lint_calls_unsatisfiable(tree, evs):
    text = to_dsl(tree)
    compiled = aftersale.compile(text, "dsl", "generated.policy").tree
    for rule_id in _unsatisfiable(text):
        for event in evs:
            assert not _matches(compiled, rule_id, event), f"{rule_id}\n{text}\n{event}"


@pytest.mark.slow
@settings(max_examples=1_000, deadline=None)
@given(policies(max_rules=8), st.lists(events(), min_size=10, max_size=10))
def test_no_generated_event_matches_a_rule_lint_calls_unsatisfiable_many(tree, evs):
    test_no_generated_event_matches_a_rule_lint_calls_unsatisfiable.hypothesis.inner_test(tree, evs)


LOWER = 'policy "p"\nrule longer:\n  when length(lower(request.tracking.number)) > length(request.tracking.number)\n' \
        '  then manual_review\n'


def test_lowercasing_may_lengthen_text_so_the_rule_is_not_called_unsatisfiable():
    assert _unsatisfiable(LOWER) == []
    tree = aftersale.compile(LOWER).tree
    event = base_event()
    event["request"].setdefault("tracking", {})["number"] = "İ"  # lowercases to "i̇", two characters
    assert _matches(tree, "longer", event)


FRACTION = 'policy "p"\nrule w: when request.amount <= ¥10 and ¥29.99 < ¥29.99 + 0.5% then approve_refund\n'
WHOLE_FEN = 'policy "p"\nrule w: when request.amount > ¥29.99 and request.amount < ¥29.99 + 0.5% then approve_refund\n'


def test_money_plus_a_fraction_of_a_fen_is_not_rounded_into_a_proof():
    """¥29.99 + 0.5% is ¥29.995: counting it in whole fen "proved" the rule could never match."""
    assert _unsatisfiable(FRACTION) == []
    event = base_event()
    event["request"]["amount"] = "5.00"
    assert _matches(aftersale.compile(FRACTION).tree, "w", event)
    # a request's amount is whole fen, so this one really cannot match (¥30.00 is not under ¥29.995)
    assert _unsatisfiable(WHOLE_FEN) != []


def test_a_rule_that_really_cannot_match_is_still_reported():
    text = 'policy "p"\nrule never:\n  when request.amount > ¥300 and request.amount < ¥100\n  then reject\n'
    assert _unsatisfiable(text) == ["never"]


GUARD = 'policy "p"\nrule g: never auto-approve requests where request.tracking.verified == true ' \
        'and request.tracking.verified == false\nrule a: auto-approve returns\n'


def test_a_guard_never_true_but_unknown_without_tracking_still_forbids_so_it_is_not_unsatisfiable():
    assert [d.name for d in lint_text(GUARD) if d.severity != "info"] == []
    tree = aftersale.compile(GUARD).tree
    event = base_event()
    event["request"].update(kind="return_refund", status="pending_merchant")
    event["request"].pop("tracking", None)
    assert _matches(tree, "g", event)  # unknown: a person decides
    assert Interpreter(tree).verdict(parse_event(event), False)[0].forbidden_by == "g"


def test_a_computed_timestamp_out_of_the_years_events_hold_is_missing_so_the_guard_forbids():
    # `at - 999999d` leaves years 2..9998 (values.in_range): missing, so the comparison is unknown, and a guard
    # with `not` of it forbids; lint once called it unsatisfiable
    text = 'policy "p"\nrule d:\n  when not at - 999999d == at - 999999d\n  then forbid approve_return\n' \
           'otherwise approve_return\n'
    assert _unsatisfiable(text) == []
    event = base_event()
    event["request"].update(kind="return_refund", status="pending_merchant")
    assert _matches(aftersale.compile(text).tree, "d", event)
