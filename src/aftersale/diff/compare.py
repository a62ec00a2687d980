"""Which requests two versions of a policy decide differently, as regions with proven examples.

A decision is first-match, so each version splits the open requests into
*outcomes*: "rule r decides" (r applies and its condition is true, no earlier
rule matches, and the guards that forbid r's action are in or out of force)
for every rule, and `otherwise` (split the same way). A region is a pair
(old outcome, new outcome) whose decisions (action, rule, forbidden_by)
differ and which some request lies in. Rules are matched between the versions
(same id, after `--rename`, and same tree); a pair of two matched rules whose
order is kept never holds a request (the earlier of the two would decide in
both), so only pairs with an added or removed rule, or two rules whose order
changed, are searched, plus `otherwise` and, when guards changed, each rule with
itself.

Every search ends in a witness (a region, with an example request decided by
both versions through the interpreter), a proof that the pair holds no request,
or "could not decide" for the rules involved.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from .. import rules as ir
from ..backends import BACKENDS
from ..locale import Msg, msg
from . import reasoning
from .reasoning import UNKNOWN, Reasoner, Unsupported

#: Pieces of one region described at most (more are counted as "and more").
MAX_PARTS = 4
#: The id of every example request.
EXAMPLE_ID = "DIFF-EXAMPLE"

Key = tuple  # (action, rule id or None, forbidden_by or None)


@dataclass
class Outcome:
    key: Key
    rule: ir.Rule | None            # the deciding rule (None: otherwise)
    ident: object                   # what matches it in the other version ("otherwise" for otherwise)
    pos: list = field(default_factory=list)    # conditions that hold
    neg: list = field(default_factory=list)    # conditions that do not hold
    error: Msg | None = None        # why it cannot be modelled (a `reason.*` message)
    guards: list = field(default_factory=list)  # guard conditions it reads (to describe it)
    start: list | None = None       # boxes of pos (computed once)
    places: tuple = (None, None)    # its rule's place in the old and in the new version (None: not there)


@dataclass
class Region:
    old: Key
    new: Key
    parts: list                     # boxes projected to the terms that describe the change
    more: bool                      # more pieces than described
    example: dict
    requests: int = 0
    money: object = 0


@dataclass
class Undecided:
    rules: tuple[str, ...]
    old: Key
    new: Key
    reason: Msg                     # why (a `reason.*` message of the locale catalogs)


@dataclass
class Result:
    regions: list[Region]
    undecided: list[Undecided]
    pairs_checked: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.regions or self.undecided)


def rule_ident(rule: ir.Rule, rename: dict[str, str]) -> tuple:
    return (rename.get(rule.id, rule.id), rule.when, rule.action, rule.forbids)


def kept(old: list, new: list) -> tuple[set[int], set[int]]:
    """Indices of the longest common subsequence of two identity lists (the rules kept in order)."""
    n, m = len(old), len(new)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if old[i] == new[j] else max(table[i + 1][j], table[i][j + 1])
    a, b, i, j = set(), set(), 0, 0
    while i < n and j < m:
        if old[i] == new[j]:
            a.add(i)
            b.add(j)
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return a, b


class Decider:
    """Decides events with one version through the interpreter (the reference): the decision's key,
    old rule ids renamed."""

    def __init__(self, tree: ir.Policy, rename: dict[str, str]):
        self.rename = rename
        self.prepared = BACKENDS["interpreter"](tree)

    def name(self, rule_id: str | None) -> str | None:
        return None if rule_id is None else self.rename.get(rule_id, rule_id)

    def key(self, event) -> Key:
        """`event`: a dict (copied: deciding may type it in place) or a parsed Event."""
        d = self.prepared.decide(copy.deepcopy(event) if isinstance(event, dict) else event, trace=False)
        return (d.action, self.name(d.rule), self.name(d.forbidden_by))


class Version(Decider):
    """One version's outcomes, in the reasoner's conditions."""

    def __init__(self, tree: ir.Policy, reasoner: Reasoner, rename: dict[str, str]):
        super().__init__(tree, rename)
        self.tree = tree
        self.guards = list(tree.guards)
        self.rules = list(tree.deciding_rules)
        self.idents = [rule_ident(r, rename) for r in self.rules]
        self.matches: list = []
        for r in self.rules:
            try:
                self.matches.append(ir.And((reasoning.applies(r.action), reasoner.truth(r.when))))
            except Unsupported as exc:
                self.matches.append(exc)
        self.outcomes: list[Outcome] = []
        for i, r in enumerate(self.rules):
            self._guarded(Outcome((r.action, self.name(r.id), None), r, self.idents[i]), i, r.action, reasoner)
        rest = len(self.rules)
        other = tree.otherwise
        self._add(Outcome(("manual_review", None, None), None, "otherwise",
                          pos=[reasoning.open_not_applying(other)]), rest)
        self._guarded(Outcome((other, None, None), None, "otherwise", pos=[reasoning.applies(other)]), rest, other,
                      reasoner)

    def _add(self, o: Outcome, before: int) -> None:
        if o.rule is not None:
            m = self.matches[before]
            if isinstance(m, Unsupported):
                o.error = m.reason
            else:
                o.pos.insert(0, m)
        for m in self.matches[:before]:
            if isinstance(m, Unsupported):
                o.error = o.error or m.reason
            else:
                o.neg.append(m)
        self.outcomes.append(o)

    def _guarded(self, base: Outcome, before: int, action: str, reasoner: Reasoner) -> None:
        """The outcome where no guard forbids `action`, and one per guard that would forbid it first."""
        guards = [g for g in self.guards if action in g.forbids]
        falsities: list = []
        for g in guards:
            try:
                falsities.append(reasoner.falsity(g.when))
            except Unsupported as exc:
                falsities.append(exc)
        for j, g in enumerate(guards):
            o = Outcome(("manual_review", base.key[1], self.name(g.id)), base.rule, base.ident, list(base.pos))
            self._add(o, before)
            for k in range(j):
                _hold(o, falsities[k])
            o.guards = [f for f in falsities[:j + 1] if not isinstance(f, Unsupported)]
            if isinstance(falsities[j], Unsupported):
                o.error = o.error or falsities[j].reason
            else:
                o.neg.append(falsities[j])
        plain = Outcome(base.key, base.rule, base.ident, list(base.pos))
        self._add(plain, before)
        for f in falsities:
            _hold(plain, f)
        plain.guards = [f for f in falsities if not isinstance(f, Unsupported)]


def _hold(o: Outcome, cond) -> None:
    if isinstance(cond, Unsupported):
        o.error = o.error or cond.reason
    else:
        o.pos.append(cond)


def _start(o: Outcome, reasoner: Reasoner) -> list:
    if o.start is None:
        o.start = reasoner.meet(o.pos)
    return o.start


def compare(old: ir.Policy, new: ir.Policy, rename: dict[str, str] | None = None) -> Result:
    """The regions of requests the two versions decide differently (see the module's docstring)."""
    rename = dict(rename or {})
    reasoner = Reasoner(old, new)
    a, b = Version(old, reasoner, rename), Version(new, reasoner, {})
    kept_a, kept_b = kept(a.idents, b.idents)
    changed_a = {a.idents[i] for i in range(len(a.rules)) if i not in kept_a}
    changed_b = {b.idents[j] for j in range(len(b.rules)) if j not in kept_b}
    guards_changed = ([rule_ident(g, rename) for g in a.guards] != [rule_ident(g, {}) for g in b.guards]
                      or not all(_same_meaning(g, reasoner) for g in a.guards))
    describe_terms = _changed_conditions(a, changed_a) + _changed_conditions(b, changed_b)
    at_a, at_b = _places(a), _places(b)
    for o in a.outcomes:
        o.places = (at_a[o.ident], at_b.get(o.ident) if _same_meaning(o.rule, reasoner) else None)
    for p in b.outcomes:
        p.places = (at_a.get(p.ident) if _same_meaning(p.rule, reasoner) else None, at_b[p.ident])
    result = Result([], [])
    for o in a.outcomes:
        for p in b.outcomes:
            if o.key == p.key or not _may_meet(o, p, guards_changed):
                continue
            result.pairs_checked += 1
            _pair(o, p, a, b, reasoner, describe_terms, result)
    result.regions.sort(key=lambda r: r.old[0] == r.new[0])  # where the action changes first
    return result


def _places(v: Version) -> dict:
    """Each rule's place in its version; `otherwise` comes after every rule."""
    places = {ident: n for n, ident in enumerate(v.idents)}
    places["otherwise"] = len(v.idents)
    return places


def _same_meaning(rule: ir.Rule | None, reasoner: Reasoner) -> bool:
    """Whether the rule means the same in both versions once its tree is (not when it asks service hours,
    holidays or the time zone, and those changed)."""
    return rule is None or reasoner.same_calendar or not reasoning.reads_calendar(rule.when)


def _may_meet(o: Outcome, p: Outcome, guards_changed: bool) -> bool:
    """Whether a request may be decided by `o` in the old version and `p` in the new one.

    A rule that both versions hold matches the same requests in both: if it decides in the old version
    and comes before `p`'s rule in the new one, it (or an earlier rule) decides there too, and the other
    way round. The same rule (or `otherwise`) on both sides differs only by its guards (or, for
    `otherwise`, its action)."""
    (oa, ob), (pa, pb) = o.places, p.places
    if oa == pa:
        return o.rule is None or guards_changed
    if ob is not None and ob < pb:
        return False
    if pa is not None and pa < oa:
        return False
    return True


def _changed_conditions(v: Version, changed: set) -> list:
    return [m for ident, m in zip(v.idents, v.matches) if ident in changed and not isinstance(m, Unsupported)]


def _undecided(o: Outcome, p: Outcome, reason: Msg, result: Result) -> None:
    ids = tuple(dict.fromkeys(x.key[1] for x in (o, p) if x.key[1] is not None)) or ("otherwise",)
    result.undecided.append(Undecided(ids, o.key, p.key, reason))


def _pair(o: Outcome, p: Outcome, a: Version, b: Version, reasoner: Reasoner, describe_terms: list,
          result: Result) -> None:
    # An outcome that could not be modelled whole still holds the conditions that could: a pair that is
    # empty even so is empty; otherwise it is undecided.
    error = o.error or p.error
    try:
        start = reasoning.restrict_all(_start(o, reasoner), _start(p, reasoner))
        if not start:
            return
        avoid = list(dict.fromkeys(o.neg + p.neg))
        found = reasoner.find(start, avoid)
    except Unsupported as exc:
        _undecided(o, p, error or exc.reason, result)
        return
    if found is None:
        return
    if error:
        _undecided(o, p, error, result)
        return
    if found is UNKNOWN:
        _undecided(o, p, msg("reason.budget"), result)
        return

    def proves(event: dict) -> bool:
        return a.key(event) == o.key and b.key(event) == p.key

    example = reasoner.example(found, proves)
    if example is not None and proves({**example, "id": EXAMPLE_ID}):
        example = {**example, "id": EXAMPLE_ID}  # the builder's id names lint
    if example is None:
        _undecided(o, p, msg("reason.no_example"), result)
        return
    pieces = [found]
    more = False
    while True:
        nxt = reasoner.find(start, avoid, pieces)
        if nxt is None or nxt is UNKNOWN:
            break
        if len(pieces) == MAX_PARTS:
            more = True
            break
        pieces.append(nxt)
    terms = reasoner.terms_of(o.pos + p.pos + o.neg + p.neg + o.guards + p.guards + describe_terms)
    result.regions.append(Region(o.key, p.key, reasoning.project(pieces, terms), more, example))


__all__ = ["compare", "Result", "Region", "Undecided", "Decider", "Version", "kept"]
