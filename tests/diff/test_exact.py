"""diff against brute force on generated policies.

Edits that change nothing (the policy rewritten as text in either language or as YAML, sentences rewritten
in their block form, ids renamed with `--rename`, disjoint rules reordered, guards moved) report no region.
Edits that change something (a threshold, an action, a rule moved, negated, dropped or added): every
region's example is decided as the region says by both versions, and every event the two versions decide
differently lies in a reported region or in a pair diff says it could not decide. The events are brute
force: generated ones, and generated ones spliced into each region's example, decided by the interpreter.

The default run checks a few derandomized examples of each property; `pytest -m slow tests/diff` runs
thousands.
"""
import copy
import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings, strategies as st

from aftersale import rules as ir
from aftersale.diagnostics import AftersaleError
from aftersale.diff.compare import Decider, compare, rule_ident
from aftersale.policy import compile as compile_text
from aftersale.syntax.fmt import to_dsl, to_yaml
from aftersale.values import ENUM
from tests.hardening.strategies import HOURS_SPECS, ZONES, events, hours, policies

FEW = settings(max_examples=12, derandomize=True)
MANY = settings(max_examples=1500)
KINDS = ("refund_only", "return_refund", "exchange")
SECTIONS = ("request", "order", "buyer", "logistics", "at")


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


def _spliced(examples: list[dict], evs: list[dict]) -> list[dict]:
    """Each example with one section taken from each generated event: events near the regions."""
    out = []
    for ex in examples:
        for ev in evs:
            for s in SECTIONS:
                if s in ev:
                    e = copy.deepcopy(ex)
                    e[s] = copy.deepcopy(ev[s])
                    out.append(e)
    return out


def _key(decider: Decider, event: dict):
    try:
        return decider.key(event)
    except AftersaleError:  # a spliced event the reader refuses (e.g. a request for more than was paid)
        return None


def _check(old, new, evs, rename=None):
    """diff of `old` and `new` against brute force on `evs` (and events near each region's example)."""
    result = compare(old, new, rename)
    a, b = Decider(old, rename or {}), Decider(new, {})
    for r in result.regions:  # every example shows its region
        assert (a.key(r.example), b.key(r.example)) == (r.old, r.new)
        assert r.old != r.new
    known = {(r.old, r.new) for r in result.regions} | {(u.old, u.new) for u in result.undecided}
    for e in evs + _spliced([r.example for r in result.regions], evs[:4]):
        ka, kb = _key(a, e), _key(b, e)
        if ka != kb:  # every event decided differently lies in a reported region
            assert (ka, kb) in known, (ka, kb, e)
    return result


def _same(old, new, evs, rename=None, touched=()):
    """diff of an edit that changes nothing: no region; undecided only for the rules the edit touched (or
    whose tree the rewriting changed, e.g. a sentence translated, and the rules a touched guard forbids):
    those the reasoning must decide."""
    result = _check(old, new, evs, rename)
    rename = rename or {}
    before = {rule_ident(r, rename) for r in old.rules}
    after = {rule_ident(r, {}) for r in new.rules}
    rewritten = {i[0] for i in before ^ after}
    assert result.regions == [], (result.regions, [r for r in old.rules + new.rules if r.id in rewritten])
    touched = set(touched) | rewritten
    forbidden = {a for r in new.rules if r.id in touched for a in r.forbids}  # a touched guard's rules
    touched |= {r.id for r in new.rules if r.action in forbidden}
    for u in result.undecided:
        assert set(u.rules) <= touched | {"otherwise"}, u


# -- edits that change nothing ----------------------------------------------------------------------

def _rewritten(tree, evs):
    for lang in (None, "en", "zh"):
        try:
            again = compile_text(to_dsl(tree, lang)).tree
        except AftersaleError:  # a translation the front end refuses is syntax's to fix, not diff's
            assert lang == "zh"
            continue
        _same(tree, again, evs)
    _same(tree, compile_text(to_yaml(tree), "yaml").tree, evs)
    blocks = dataclasses.replace(tree, rules=tuple(dataclasses.replace(r, sentence=None) for r in tree.rules))
    _same(tree, compile_text(to_dsl(blocks)).tree, evs)
    renamed = dataclasses.replace(tree, rules=tuple(dataclasses.replace(r, id=r.id + "-v2") for r in tree.rules))
    _same(tree, renamed, evs, {r.id: r.id + "-v2" for r in tree.rules})


def _only(rule: ir.Rule, kind: str) -> ir.Rule:
    return dataclasses.replace(rule, when=ir.And((ir.Compare("==", ir.Field(("request", "kind"), ENUM),
                                                              ir.Literal(kind, ENUM, kind)), rule.when)),
                               sentence=None)


def _reordered(tree, evs, data):
    """Two neighbours (deciding rules or guards) made disjoint (different request kinds) swap places; a guard
    moves anywhere among the deciding rules."""
    rules = list(tree.rules)
    guard = data.draw(st.booleans())
    same = [n for n, r in enumerate(rules) if r.is_guard == guard]
    if len(same) >= 2:
        p = data.draw(st.integers(0, len(same) - 2))
        i, j = same[p], same[p + 1]
        k1, k2 = data.draw(st.permutations(KINDS))[:2]
        rules[i], rules[j] = _only(rules[i], k1), _only(rules[j], k2)
        old = dataclasses.replace(tree, rules=tuple(rules))
        swapped = list(rules)
        swapped[i], swapped[j] = rules[j], rules[i]
        _same(old, dataclasses.replace(tree, rules=tuple(swapped)), evs, touched=(rules[i].id, rules[j].id))
    guards = [n for n, r in enumerate(rules) if r.is_guard]
    if guards:  # among the deciding rules, keeping the guards' order
        g = rules[data.draw(st.sampled_from(guards))]
        moved = [r for r in rules if r is not g]
        moved.insert(data.draw(st.integers(0, len(moved))), g)
        if [r for r in moved if r.is_guard] == [r for r in rules if r.is_guard]:
            _same(dataclasses.replace(tree, rules=tuple(rules)), dataclasses.replace(tree, rules=tuple(moved)), evs)


def _nothing_changes(tree, evs, data):
    _rewritten(tree, evs)
    _reordered(tree, evs, data)


NOTHING = (policies(max_rules=5), st.lists(events(), min_size=12, max_size=12), st.data())
test_edits_that_change_nothing_report_nothing = FEW(given(*NOTHING)(_nothing_changes))
test_edits_that_change_nothing_report_nothing_many = pytest.mark.slow(MANY(given(*NOTHING)(_nothing_changes)))


# -- edits that change something ----------------------------------------------------------------------

def _edited(tree, kind, i, data):
    rules = list(tree.rules)
    if kind == "threshold":
        when = _bump(rules[i].when, Decimal(data.draw(st.sampled_from(("0.01", "100", "-50")))))
        assume(when is not None)
        rules[i] = dataclasses.replace(rules[i], when=when, sentence=None)
    elif kind == "action":
        assume(not rules[i].is_guard)
        rules[i] = dataclasses.replace(rules[i], action=data.draw(st.sampled_from(ir.ACTIONS)))
    elif kind == "forbids":
        assume(rules[i].is_guard)
        forbids = data.draw(st.lists(st.sampled_from(ir.ACTIONS), min_size=1, max_size=3, unique=True))
        rules[i] = dataclasses.replace(rules[i], forbids=tuple(forbids), sentence=None)
    elif kind == "move":
        rules.insert(data.draw(st.integers(0, len(rules) - 1)), rules.pop(i))
    elif kind == "negate":
        rules[i] = dataclasses.replace(rules[i], when=ir.Not(rules[i].when), sentence=None)
    elif kind == "drop":
        rules.pop(i)
    elif kind == "calendar":  # the header: service hours, holidays or the time zone
        field, pool = data.draw(st.sampled_from((("service_hours", [hours(h) for h in HOURS_SPECS]),
                                                 ("holidays", [None, "cn"]), ("timezone", list(ZONES)))))
        return dataclasses.replace(tree, **{field: data.draw(st.sampled_from(pool))})
    elif kind == "otherwise":
        return dataclasses.replace(tree, otherwise=data.draw(st.sampled_from(ir.ACTIONS)))
    elif kind == "add":
        other = data.draw(policies(max_rules=2))
        assume(other.rules and other.rules[0].id not in {r.id for r in rules})
        rules.insert(i, other.rules[0])
    return dataclasses.replace(tree, rules=tuple(rules))


def _edits(tree, kind, data):
    assume(tree.rules)
    i = data.draw(st.integers(0, len(tree.rules) - 1))
    new = _edited(tree, kind, i, data)
    evs = data.draw(st.lists(events(), min_size=12, max_size=12))
    _check(tree, new, evs)


EDITS = (policies(max_rules=5), st.sampled_from(("threshold", "action", "forbids", "move", "negate", "drop", "add",
                                                 "otherwise", "calendar")),
         st.data())
test_edits_against_brute_force = FEW(given(*EDITS)(_edits))
test_edits_against_brute_force_many = pytest.mark.slow(MANY(given(*EDITS)(_edits)))


# -- regressions found by the runs above ------------------------------------------------------------

def _refund(at: str, created_at: str) -> dict:
    """A pending ¥50 refund-only request for a lost parcel, opened at `created_at`."""
    return {"id": "E", "platform": "douyin", "at": at,
            "request": {"kind": "refund_only", "reason": "lost", "amount": "50", "status": "pending_merchant",
                        "created_at": created_at},
            "order": {"paid_amount": "50"}}


def _policy(rules: str):
    return compile_text('policy "p"\ntimezone UTC\n' + rules + "otherwise approve_return\n").tree


def test_a_guard_of_several_conditions_allows_where_any_one_is_false():
    # falsity(a and b) was read as (not a) and (not b): the requests a guard of two conditions lets
    # through were lost, and with them the region of the dropped rule below
    cheap = "rule cheap: when request.amount < ¥100 then manual_review\n"
    rest = "rule g: never auto-approve quality refunds\nrule x: auto-refund refunds\n"
    old, new = _policy(cheap + rest), _policy(rest)
    event = _refund("2026-11-20T10:00:00+08:00", "2026-11-20T09:00:00+08:00")
    result = _check(old, new, [event])
    assert ((("manual_review", "cheap", None), ("approve_refund", "x", None))
            in {(r.old, r.new) for r in result.regions})


def test_money_computed_with_a_number_is_undecided_not_unchanged():
    # ¥29.99 + 0.5% is 29.995: lint's whole-fen model proved `¥29.99 < ¥29.99 + 0.5%` false, so the rule
    # never acted in diff's eyes and a guard forbidding it changed "nothing"
    rest = "rule w: when ¥29.99 < ¥29.99 + 0.5% then approve_refund\n"
    old = _policy(rest)
    new = _policy("rule g: never auto-refund requests\n" + rest)
    event = _refund("2026-11-20T10:00:00+08:00", "2026-11-20T09:00:00+08:00")
    result = _check(old, new, [event])
    assert result.changed and ("w",) in {u.rules for u in result.undecided}


def test_a_rule_on_service_hours_is_not_the_same_rule_under_other_hours():
    # a rule kept word for word was taken to match the same requests in both versions, so changing the
    # service hours was "no change" while requests at 18:00-20:00 moved
    rules = "rule late: when outside_service_hours(request.created_at) then approve_refund\n"
    old = _policy("service hours mon-fri 09:00-18:00\n" + rules)
    new = _policy("service hours mon-fri 09:00-20:00\n" + rules)
    event = _refund("2026-11-20T19:00:00Z", "2026-11-20T19:00:00Z")
    result = _check(old, new, [event])
    assert result.regions == [] and any("late" in u.rules for u in result.undecided)
    assert all(set(u.rules) <= {"late", "otherwise"} for u in result.undecided)


def test_a_guard_over_items_leaves_the_rule_after_it_decided():
    """A guard over order.items (any/all) no longer makes every later rule undecided: diff reasons with the
    quantifier as lint does (true, false or unknown); brute force on generated events agrees."""
    old = _policy("rule f: never auto-approve requests where any(order.items, item.category == food)\n"
                  "rule a: auto-approve returns under ¥300\n")
    new = _policy("rule f: never auto-approve requests where any(order.items, item.category == food)\n"
                  "rule a: auto-approve returns under ¥500\n")
    evs = []
    for path in sorted(Path("policies/events").glob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        for category, amount in (("tea", "350.00"), ("food", "350.00"), ("food", "120.00")):
            e = copy.deepcopy(event)
            e.get("order", {}).get("items", [{}])[:1] = [{"sku": "S", "category": category, "price": amount,
                                                         "quantity": 1}]
            e["request"]["amount"] = e["order"]["paid_amount"] = amount
            evs.append(e)
    result = _check(old, new, evs)
    assert result.undecided == [] and len(result.regions) == 2
    moved = [e for e in evs if _key(Decider(old, {}), e) != _key(Decider(new, {}), e)]
    assert moved  # the brute force does see requests that change
