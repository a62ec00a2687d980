"""Exact deciders for the two kinds of shared-field conditions real policies are full of.

`analysis.Analysis.realizable` asks, for a group of terms that share fields,
whether their sets can all be met at once. These two answer it without the
solver when the group has one of these shapes (and return None otherwise):

**Items.** `any(order.items, item.f in S)` and `all(order.items, item.f in S)`
over one item field, three-valued: an item condition is true on T, false on
F, unknown elsewhere (U). A missing list makes every atom unknown. On a
present list, for each choice of one outcome per atom: every item must lie in
F of the `any` atoms that must be false, outside T of those that must be
unknown, in T of the `all` atoms that must be true and outside F of those
that must be unknown (the region R); each `any` that must be true needs one
item in T ∩ R, each `all` that must be false one in F ∩ R, each atom that
must be unknown one in U ∩ R. An empty list makes every `any` false and
every `all` true.

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
    return item_choice(*found) is not None


#: Choices of outcomes (true, false or unknown per atom) one group may try before it goes to the solver.
MAX_CHOICES = 64


def item_atoms(atoms: list[tuple[Term, ValueSet]], terms: Terms):
    """For `any`/`all` atoms with their sets of truth values: (the item term their conditions are on,
    [(`any` or `all`, where the item condition is true, where it is false, the outcomes wanted)]), or None
    when they are not all on one item term."""
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
        parsed.append((t.expr.kind, true, false, tuple(truth.members())))
    return None if item_term is None else (item_term, parsed)


def item_choice(item_term: Term, parsed: list):
    """Outcomes the atoms can take together: None (impossible), "missing" (a missing list), or the item
    values each needed item must take (one item per set; an empty list when there are none)."""
    if all(MISSING_LABEL in want for _, _, _, want in parsed):
        return "missing"  # a missing list makes every any/all unknown
    wants = [[w for w in want if w != MISSING_LABEL] + ([None] if MISSING_LABEL in want else [])
             for _, _, _, want in parsed]
    n = 1
    for w in wants:
        n *= len(w)
    if n > MAX_CHOICES:
        return None
    for outcome in product(*wants):
        needs = item_needs(item_term, [(k, t, f, o) for (k, t, f, _), o in zip(parsed, outcome)])
        if all(not x.is_empty() for x in needs):
            return needs
    return None


def item_needs(item_term: Term, parsed: list) -> list[ValueSet]:
    """For one outcome per atom (True, False or None for unknown) on a present list: the item values each
    needed item must take, every item lying in the region R."""
    dom = item_term.domain
    region = dom
    need = []
    for kind, true, false, want in parsed:
        unknown = dom - true - false
        if kind == "any":
            if want is True:
                need.append(true)
            elif want is False:
                region = region & false
            else:
                region = region - true
                need.append(unknown)
        else:
            if want is True:
                region = region & true
            elif want is False:
                need.append(false)
            else:
                region = region - false
                need.append(unknown)
    return [x & region for x in need]


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
