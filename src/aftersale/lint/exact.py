"""Exact deciders for the two kinds of shared-field conditions real policies are full of.

`analysis.Analysis.realizable` asks, for a group of terms that share fields,
whether their sets can all be met at once. These two answer it without the
solver when the group has one of these shapes (and return None otherwise):

**Items.** `any(order.items, item.f in S)` and `all(order.items, item.f in S)`
over one item field. Every item must avoid the sets of the `any` atoms that
must be false and lie in the sets of the `all` atoms that must be true (the
region R); each `any` that must be true needs one item in S ∩ R, each `all`
that must be false one item in R − S. Missing or empty item lists make every
`any` false (and an empty list every `all` true).

**Timestamps.** Calendar views of one timestamp (its local time, weekday, date,
service hours, holiday) and differences of timestamps (`age(x)` = at − x,
`x − y`). Differences do not change when every timestamp moves by the same
amount, and such a move puts the one calendar-viewed timestamp anywhere on the
calendar; so when the difference terms form a forest (each can take its value
independently), the group is realisable exactly when some choice of which
timestamps are present lets each calendar view and each difference take a
value in its set. The calendar view itself goes to `calendar_ok` (the solver,
on that view alone, cached).
"""
from __future__ import annotations

from itertools import product
from typing import Callable

from .. import rules as ir
from .terms import Term, Terms
from .valuesets import MISSING_LABEL, Finite, Numbers, Texts, ValueSet

CALENDAR_KEYS = ("open", "outside", "weekday", "is_weekend", "is_holiday", "local_time", "local_date")
MAX_OPTIONAL = 6


def items(comp: list[Term], box: dict, terms: Terms) -> bool | None:
    for t in comp:
        e = t.expr
        if t.kind != "atom" or not isinstance(e, ir.Quantifier) or e.kind not in ("any", "all") \
                or e.condition is None or t.vars != frozenset({"order.items"}):
            return None
    found = item_atoms([(t, box[t]) for t in comp], terms)
    if found is None:
        return None
    return all(not n.is_empty() for n in item_needs(*found))


def item_atoms(atoms: list[tuple[Term, ValueSet]], terms: Terms):
    """For `any`/`all` atoms with their sets of truth values: (the item term their conditions are on,
    [(`any` or `all`, the item values where the condition holds, the truth value wanted)] for the atoms
    with one wanted truth value), or None when they are not all on one item term."""
    item_term = None
    parsed = []
    for t, truth in atoms:
        leaf = terms.item_leaf(t.expr.condition)
        if leaf is None:
            return None
        it, s = leaf
        if item_term is None:
            item_term = it
        elif it is not item_term:
            return None
        want = truth.members()
        if len(want) == 1:
            parsed.append((t.expr.kind, s, want[0]))
    return None if item_term is None else (item_term, parsed)


def item_needs(item_term: Term, parsed: list) -> list[ValueSet]:
    """The item values each needed item must take (one item per set), every item lying in the region R."""
    region = item_term.domain
    for kind, s, want in parsed:
        if kind == "all" and want:
            region = region & s
        elif kind == "any" and not want:
            region = region - s
    need = [s & region for kind, s, want in parsed if kind == "any" and want]
    need += [region - s for kind, s, want in parsed if kind == "all" and not want]
    return need


def present_part(s: ValueSet) -> tuple[bool, bool]:
    """(allows a present value, allows missing)."""
    if isinstance(s, Finite):
        members = s.members()
        return any(m != MISSING_LABEL for m in members), MISSING_LABEL in members
    if isinstance(s, Numbers):
        return bool(s.ivs), s.missing
    if isinstance(s, Texts):
        return (s.cofinite or bool(s.strings)), s.missing
    return True, True


def timestamps(comp: list[Term], box: dict, optional: Callable[[str], bool],
               calendar_ok: Callable[[list[Term]], bool]) -> bool | None:
    calendar: dict[str, list[Term]] = {}
    edges: list[tuple[Term, tuple[str, ...]]] = []
    raw: list[Term] = []
    for t in comp:
        k = t.key[0]
        if k in CALENDAR_KEYS:
            calendar.setdefault(".".join(t.key[1]), []).append(t)
        elif k == "age":
            edges.append((t, ("at", ".".join(t.key[1]))))
        elif k == "diff":
            edges.append((t, (".".join(t.key[1]), ".".join(t.key[2]))))
        elif k == "field" and t.unit == "ts":
            s = box[t]
            if s.ivs and s.ivs != t.domain.ivs:
                return None  # a bound on the timestamp itself
            raw.append(t)
        else:
            return None
    if len(calendar) > 1:
        return None
    # the difference terms must form a forest over the timestamps
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for _, (a, b) in edges:
        ra, rb = find(a), find(b)
        if ra == rb:
            return None
        parent[ra] = rb
    fields = sorted({v for t in comp for v in t.vars})
    opt = [f for f in fields if optional(f)]
    if len(opt) > MAX_OPTIONAL:
        return None
    for choice in product((True, False), repeat=len(opt)):
        present = dict(zip(opt, choice))
        ok = True
        for t in comp:
            here = all(present.get(v, True) for v in t.vars)
            can_present, can_missing = present_part(box[t])
            if (here and not can_present) or (not here and not can_missing):
                ok = False
                break
        if not ok:
            continue
        for field, group in calendar.items():
            if present.get(field, True) and not calendar_ok(group):
                ok = False
                break
        if ok:
            return True
    return False
