"""diff against brute force on generated policies: edits that change nothing report nothing; every event
decided differently lies in a reported (or undecided) region; every example shows its region."""
import dataclasses
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings, strategies as st

from aftersale import rules as ir
from aftersale.diff.compare import Decider, compare
from aftersale.syntax.fmt import to_dsl
from aftersale.policy import compile as compile_text
from tests.hardening.strategies import events, policies


def _bump(e, by):
    """The expression with its first money literal raised by `by` (or None when it has none)."""
    if isinstance(e, ir.Literal) and e.type is ir.MONEY:
        return dataclasses.replace(e, value=e.value + by)
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if isinstance(v, ir.Node):
            new = _bump(v, by)
            if new is not None:
                return dataclasses.replace(e, **{f.name: new})
        elif isinstance(v, tuple) and v and isinstance(v[0], ir.Node):
            for i, x in enumerate(v):
                new = _bump(x, by)
                if new is not None:
                    return dataclasses.replace(e, **{f.name: v[:i] + (new,) + v[i + 1:]})
    return None


def _edited(tree, kind, i, data):
    rules = list(tree.rules)
    if kind == "threshold":
        when = _bump(rules[i].when, Decimal(data.draw(st.sampled_from(("0.01", "100", "-50")))))
        assume(when is not None)
        rules[i] = dataclasses.replace(rules[i], when=when)
    elif kind == "action":
        assume(not rules[i].is_guard)
        rules[i] = dataclasses.replace(rules[i], action=data.draw(st.sampled_from(ir.ACTIONS)))
    elif kind == "move":
        rules.insert(data.draw(st.integers(0, len(rules) - 1)), rules.pop(i))
    return dataclasses.replace(tree, rules=tuple(rules))


def _check(old, new, evs, rename=None):
    result = compare(old, new, rename)
    a, b = Decider(old, rename or {}), Decider(new, {})
    for r in result.regions:  # every example shows its region
        assert (a.key(r.example), b.key(r.example)) == (r.old, r.new)
    known = {(r.old, r.new) for r in result.regions} | {(u.old, u.new) for u in result.undecided}
    for e in evs:  # every event decided differently lies in a reported region
        ka, kb = a.key(e), b.key(e)
        if ka != kb:
            assert (ka, kb) in known, (ka, kb, e)
    return result


@pytest.mark.slow  # minutes: generated policies reach the solver often
@settings(max_examples=15)
@given(policies(max_rules=5), st.lists(events(), min_size=10, max_size=10))
def test_rewriting_as_text_and_renaming_change_nothing(tree, evs):
    again = compile_text(to_dsl(tree)).tree
    result = _check(tree, again, evs)
    assert result.regions == []
    renamed = dataclasses.replace(tree, rules=tuple(dataclasses.replace(r, id=r.id + "-v2") for r in tree.rules))
    result = _check(tree, renamed, evs, {r.id: r.id + "-v2" for r in tree.rules})
    assert result.regions == []


@pytest.mark.slow
@settings(max_examples=25)
@given(policies(max_rules=5), st.sampled_from(("threshold", "action", "move")), st.data())
def test_edits_against_brute_force(tree, kind, data):
    assume(tree.rules)
    i = data.draw(st.integers(0, len(tree.rules) - 1))
    new = _edited(tree, kind, i, data)
    _check(tree, new, data.draw(st.lists(events(), min_size=10, max_size=10)))
