"""Exact deciders for the two kinds of shared-field conditions real policies are full of.

`analysis.Analysis.realizable` asks, for a group of terms that share fields,
whether their sets can all be met at once. These two answer it without the
solver when the group has one of these shapes (and return None otherwise):

**Items.** `any(order.items, item.f in S)` and `all(order.items, item.f in S)`
over one item field, each wanted true or wanted false (three-valued: an item
condition is true on T, false on F, unknown elsewhere; `any` is false only
when every item's is false). Every item must lie in F of the `any` atoms
that must be false and in T of the `all` atoms that must be true (the region
R); each `any` that must be true needs one item in T ∩ R, each `all` that
must be false one item in F ∩ R. The list must be present (a missing list
makes both unknown); an empty one makes every `any` false and every `all`
true. A group that wants some atom unknown goes to the solver.

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

CALENDAR_KEYS = ("open", "outside", "weekday", "is_weekend", "is_holiday", "is_day_off", "local_time", "local_date")
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
    [(`any` or `all`, where the item condition is true, where it is false, the truth value wanted)]), or
    None when they are not all on one item term or some atom may be unknown."""
    item_term = None
    parsed = []
    for t, truth in atoms:
        leaf = terms.item_leaf(t.expr.condition)
        if leaf is None:
            return None
        it, true, false = leaf
        if item_term is None:
            item_term = it
        elif it is not item_term:
            return None
        want = truth.members()
        if len(want) != 1 or want[0] not in (True, False):
            return None
        parsed.append((t.expr.kind, true, false, want[0]))
    return None if item_term is None else (item_term, parsed)


def item_needs(item_term: Term, parsed: list) -> list[ValueSet]:
    """The item values each needed item must take (one item per set), every item lying in the region R."""
    region = item_term.domain
    for kind, true, false, want in parsed:
        if kind == "all" and want:
            region = region & true
        elif kind == "any" and not want:
            region = region & false
    need = [true & region for kind, true, false, want in parsed if kind == "any" and want]
    need += [false & region for kind, true, false, want in parsed if kind == "all" and not want]
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
