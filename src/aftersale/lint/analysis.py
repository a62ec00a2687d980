"""The exact analysis of one policy, shared by the semantic and domain checks.

Each rule's condition becomes a union of boxes (`boxes.py`). Whether a box
holds any event is decided by set algebra when its terms are independent, by
the exact deciders of `exact.py` for the usual shared-field shapes, and by z3
(`smt.py`) for the rest, with results cached.

A *region* is a union of boxes minus some rules (`start` minus each union in
`avoid`): "the events rule B matches that no earlier rule matches" is the
region (B, earlier rules). `find` searches a region depth first for a
realisable piece: it returns a witness box (the example request is built in
it), or None after exhausting the search, which proves the region empty. The
order of `semantics.decide` is followed throughout: a closed request is
matched by no rule; a rule matches where its condition is *true* and its
action applies to the request's kind and status (`semantics.APPLIES`), and
the first match decides; a guard forbids its actions wherever its condition
is not *false* (true or unknown); `otherwise` takes the rest. Every claim of "no event" is a
proof over every schema-valid event (the solver runs in its
over-approximating proof mode); every claim of "some event" is shown by an
example that the evaluator checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import z3

from .. import rules as ir
from .. import semantics as sem
from ..values import ENUM
from . import exact
from .boxes import Box, TooComplex, disjoint, dnf, restrict, subtract
from .smt import MAX_SLOTS, Budget, Encoder, item_conditions
from .terms import Term, Terms, Unsupported
from .valuesets import MISSING_LABEL, Finite, Numbers
from .world import World, optional

#: Pieces one search may visit before it answers "unknown" (and no finding is claimed).
MAX_STEPS = 20_000
KIND = ir.Field(("request", "kind"), ENUM)
STATUS = ir.Field(("request", "status"), ENUM)


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()


@dataclass
class Region:
    """The events in `start` (a union of boxes) that are in none of the unions in `avoid`."""

    start: list
    avoid: list = field(default_factory=list)


@dataclass
class RuleFacts:
    rule: ir.Rule
    cond: list | None = None            # where the condition is true (None: too complex or not modelled)
    boxes: list | None = None           # rules: where it matches (`cond` where its action applies);
    #                                     guards: where the condition is false (it forbids elsewhere)
    satisfiable: bool | None = None     # rules: the condition can be true; guards: it can be not false
    applies: bool | None = None         # rules: the condition allows some state where the action applies
    earlier: list = field(default_factory=list)   # earlier deciding rules that may overlap it
    reach: Region | None = None         # events this rule decides (None: not modelled)
    shadowed_by: list = field(default_factory=list)
    shadow_proved: bool = False
    conflicts: list = field(default_factory=list)  # (earlier rule id, witness box)
    allowed: Region | None = None       # reach minus events where a guard forbids the action
    forbidden_by: list = field(default_factory=list)
    always_forbidden: bool = False


class Analysis:
    def __init__(self, tree: ir.Policy, budget: Budget | None = None):
        self.tree = tree
        self.budget = budget or Budget()
        #: Rules whose analysis ran out of solver units or search steps, so some finding about them
        #: may be missing (reported as `undecided-rule`); `current` is the rule being analysed.
        self.undecided: list[str] = []
        self.current: str | None = None
        self.world = World.of(tree)
        self.terms = Terms(self.world)
        self._real: dict = {}
        self._comps: dict = {}
        self._encoders: dict[int, Encoder] = {}
        self.facts: dict[str, RuleFacts] = {}
        self.deciding: list[RuleFacts] = []
        for rule in tree.rules:
            if rule.id not in self.facts:
                cond = self.boxes_of(rule.when)
                self.facts[rule.id] = RuleFacts(rule, cond, self.matching(rule, rule.when, cond))
        self._ran = False

    # -- where rules act -----------------------------------------------------------
    def states(self, pairs) -> list[Box]:
        """Boxes on request.kind and request.status for (kind or ANY_KIND, status) pairs."""
        kind, status = self.terms.term(KIND), self.terms.term(STATUS)
        by_kinds: dict = {}
        for k, st in pairs:
            by_status = by_kinds.setdefault(st, set())
            by_status.add(k)
        merged: dict = {}
        for st, kinds in by_kinds.items():
            merged.setdefault(frozenset(kinds), set()).add(st)
        out = []
        for kinds, statuses in sorted(merged.items(), key=lambda kv: sorted(kv[1])):
            box = {status: Finite.of(status.labels, statuses)}
            if sem.ANY_KIND not in kinds:
                box[kind] = Finite.of(kind.labels, kinds)
            out.append(box)
        return out

    def applicable(self, action: str) -> list[Box]:
        """Where an action applies (`semantics.APPLIES`): only open statuses."""
        return self.states(sem.applicable_states(action))

    def open_states(self) -> list[Box]:
        return self.states((sem.ANY_KIND, st) for st in sem.OPEN_STATUSES)

    def matching(self, rule: ir.Rule, when: ir.Expr, cond: list | None = None) -> list | None:
        """A rule with condition `when`: where it matches (rules), or where it is false (guards)."""
        try:
            if rule.is_guard:
                false = self.boxes_of(when, positive=False)
                return None if false is None else restrict(false, self.open_states())
            cond = self.boxes_of(when) if cond is None else cond
            return None if cond is None else restrict(cond, self.applicable(rule.action))
        except TooComplex:
            return None

    def match_formula(self, enc: Encoder, rule: ir.Rule) -> z3.BoolRef:
        """Where a rule matches (or, for a guard, forbids), for the solver."""
        if rule.is_guard:
            where, cond = self.open_states(), enc.not_false(rule.when)
        else:
            where, cond = self.applicable(rule.action), enc.cond(rule.when)
        return z3.And(cond, z3.Or([enc.box(b) for b in where]))

    # -- the solver ----------------------------------------------------------------
    def encoder(self, slots: int) -> Encoder:
        enc = self._encoders.get(slots)
        if enc is None:
            enc = self._encoders[slots] = Encoder(self.world, "proof", slots, budget=self.budget)
        return enc

    def slots_for(self, exprs) -> tuple[int, bool]:
        """(representative items, whether that many cover every case) for conditions."""
        conds = item_conditions(exprs)
        if not conds:
            return 1, True
        need = 2 ** len(conds)
        return min(need, MAX_SLOTS), need <= MAX_SLOTS

    def solve(self, make, exprs) -> str:
        """'sat', 'unsat' or 'unknown' for the formula `make(encoder)`."""
        slots, exact = self.slots_for(exprs)
        try:
            enc = self.encoder(slots)
            result = enc.check(make(enc))
        except (Unsupported, z3.Z3Exception, RecursionError):
            return "unknown"
        if result == "unknown":
            self._undecided()
        if result == "unsat" and not exact:
            return "unknown"
        return result

    def _undecided(self) -> None:
        if self.current is not None and self.current not in self.undecided:
            self.undecided.append(self.current)

    # -- boxes ---------------------------------------------------------------------
    def realizable(self, box: Box) -> bool:
        """Whether some event lies in the box (True also when it cannot be decided)."""
        for comp in _components(box, self._comps):
            if len(comp) == 1 and comp[0].free:
                continue  # a free term takes any value of its (non-empty) set
            key = tuple(sorted((t.id, box[t].key()) for t in comp))
            hit = self._real.get(key)
            if hit is None:
                hit = self._real[key] = self._decide(comp, box)
            if not hit:
                return False
        return True

    def _decide(self, comp: list[Term], box: Box) -> bool:
        found = exact.items(comp, box, self.terms)
        if found is None:
            found = exact.timestamps(comp, box, lambda f: optional(tuple(f.split("."))),
                                     lambda group: self._calendar_ok(group, box))
        if found is None:
            found = self._possible({t: box[t] for t in comp})
        return found

    def _possible(self, sub: Box) -> bool:
        """Whether the solver finds the box possible (or cannot tell)."""
        return self.solve(lambda enc: enc.box(sub), [t.expr for t in sub]) != "unsat"

    def _calendar_ok(self, group: list[Term], box: Box) -> bool:
        """Whether one present timestamp can meet every calendar view's set at once."""
        if len(group) == 1:
            return True
        sub = {}
        for t in group:
            s = box[t]
            if isinstance(s, Finite):
                s = s - Finite.of(s.labels, {MISSING_LABEL})
            elif isinstance(s, Numbers):
                s = s - Numbers.only_missing(s.integral)
            sub[t] = s
        key = ("calendar",) + tuple(sorted((t.id, sub[t].key()) for t in group))
        hit = self._real.get(key)
        if hit is None:
            hit = self._real[key] = self._possible(sub)
        return hit

    def real(self, pieces: list[Box]) -> list[Box]:
        return [p for p in pieces if self.realizable(p)]

    def boxes_of(self, cond: ir.Expr, positive: bool = True) -> list[Box] | None:
        """Where the condition is true (or false: `positive=False`)."""
        try:
            return dnf(cond, self.terms, positive=positive)
        except (TooComplex, Unsupported, RecursionError):
            return None

    # -- regions ---------------------------------------------------------------------
    def find(self, region: Region, budget: int = MAX_STEPS):
        """A realisable box inside the region, None if there is none (proved), or UNKNOWN."""
        avoid = region.avoid
        steps = 0
        for start in region.start:
            stack = [(start, 0)]
            while stack:
                piece, level = stack.pop()
                if not self.realizable(piece):
                    continue
                while level < len(avoid) and all(disjoint(piece, a) for a in avoid[level]):
                    level += 1
                if level == len(avoid):
                    return piece
                children = [piece]
                for a in avoid[level]:
                    nxt = []
                    for c in children:
                        nxt.extend(subtract(c, a))
                    children = nxt
                    steps += len(children) + 1
                    if not children:
                        break
                if steps > budget:
                    self._undecided()
                    return UNKNOWN
                stack.extend((c, level + 1) for c in reversed(children))
        return None

    def within(self, region: Region | None, cond: ir.Expr) -> Region | None:
        """The part of the region where `cond` holds (None when `cond` is not modelled)."""
        boxes = self.boxes_of(cond)
        if region is None or boxes is None:
            return None
        try:
            return Region(restrict(region.start, boxes), region.avoid)
        except TooComplex:
            return None

    def outside(self, region: Region | None, cond: ir.Expr) -> Region | None:
        """The part of the region where `cond` does not hold."""
        boxes = self.boxes_of(cond)
        if region is None or boxes is None:
            return None
        return Region(region.start, region.avoid + [boxes])

    # -- the reach pass --------------------------------------------------------------
    def run(self) -> None:
        if self._ran:
            return
        self._ran = True
        try:
            self._run()
        finally:
            self.current = None

    def _satisfiable(self, rf: RuleFacts) -> None:
        rule = rf.rule
        if rule.is_guard:  # a guard forbids somewhere unless its condition is false in every open state
            if rf.boxes is not None:
                found = self.find(Region(self.open_states(), [rf.boxes]))
                rf.satisfiable = None if found is UNKNOWN else found is not None
            else:
                res = self.solve(lambda enc: self.match_formula(enc, rule), [rule.when])
                rf.satisfiable = None if res == "unknown" else res == "sat"
            return
        if rf.cond is not None:
            rf.satisfiable = any(self.realizable(b) for b in rf.cond)
        else:
            res = self.solve(lambda enc: enc.cond(rule.when), [rule.when])
            rf.satisfiable = None if res == "unknown" else res == "sat"
        if rf.satisfiable is False:
            return
        if rf.boxes is not None:
            rf.applies = any(self.realizable(b) for b in rf.boxes)
        else:
            res = self.solve(lambda enc: self.match_formula(enc, rule), [rule.when])
            rf.applies = None if res == "unknown" else res == "sat"

    def _run(self) -> None:
        for rf in self.facts.values():
            self.current = rf.rule.id
            if self.budget.spent:
                self._undecided()
                continue
            self._satisfiable(rf)
        deciding = [self.facts[r.id] for r in self.tree.deciding_rules if self.facts[r.id].rule is r]
        guards = [self.facts[r.id] for r in self.tree.guards if self.facts[r.id].rule is r]
        self.deciding = deciding
        index = Prefilter(deciding) if all(rf.boxes is not None for rf in deciding) else None
        for i, b in enumerate(deciding):
            if not _live(b):
                continue
            self.current = b.rule.id
            if self.budget.spent:
                self._undecided()  # no units left: the rule is not analysed (no finding claimed about it)
                continue
            if index is None:
                self._reach_by_solver(b, deciding[:i])
                continue
            b.earlier = [deciding[j] for j in index.earlier(i) if _live(deciding[j])]
            self._reach(b)
            if not b.shadow_proved:
                self._forbid(b, [g for g in guards if b.rule.action in g.rule.forbids])

    def _reach(self, b: RuleFacts) -> None:
        earlier = b.earlier
        b.reach = Region(b.boxes, [a.boxes for a in earlier])
        found = self.find(b.reach)
        if found is None:
            b.shadow_proved = True
            b.shadowed_by = self._overlapping(b.boxes, earlier)
            return
        # The first earlier rule with another action that decides some of b's requests (a
        # conflict), and the other earlier rules with other actions that overlap b at all.
        for k, a in enumerate(earlier):
            if a.rule.action == b.rule.action:
                continue
            try:
                start = restrict(b.boxes, a.boxes)
            except TooComplex:
                continue
            if b.conflicts:
                if any(self.realizable(p) for p in start):
                    b.conflicts.append((a.rule.id, None))
                continue
            w = self.find(Region(start, [x.boxes for x in earlier[:k]]))
            if w:
                b.conflicts.append((a.rule.id, w))

    def _overlapping(self, boxes: list, rules: list[RuleFacts]) -> list[str]:
        out = []
        for a in rules:
            try:
                if self.find(Region(restrict(boxes, a.boxes))) is not None:
                    out.append(a.rule.id)
            except TooComplex:
                out.append(a.rule.id)
        return out

    def _reach_by_solver(self, b: RuleFacts, earlier: list[RuleFacts]) -> None:
        """Shadowing only, on whole formulas (no regions, so no conflicts or domain checks)."""
        earlier = [a for a in earlier if _live(a)]
        if not earlier:
            return
        conds = [a.rule.when for a in earlier]
        res = self.solve(lambda enc: z3.And(self.match_formula(enc, b.rule),
                                            z3.Not(z3.Or([self.match_formula(enc, a.rule) for a in earlier]))),
                         [b.rule.when] + conds)
        if res == "unsat":
            b.shadow_proved = True
            b.shadowed_by = [a.rule.id for a in earlier if self.solve(
                lambda enc, a=a: z3.And(self.match_formula(enc, b.rule), self.match_formula(enc, a.rule)),
                [b.rule.when, a.rule.when]) == "sat"]

    def _forbid(self, b: RuleFacts, guards: list[RuleFacts]) -> None:
        """Where a guard forbids b's action: wherever the guard's condition is not false (`g.boxes`)."""
        if any(g.boxes is None for g in guards):
            return
        guards = [g for g in guards if g.satisfiable is not False]
        if not guards:
            b.allowed = b.reach
            return
        try:
            start = b.reach.start
            for g in guards:
                start = restrict(start, g.boxes)
        except TooComplex:
            return
        b.allowed = Region(start, b.reach.avoid)
        b.forbidden_by = [g.rule.id for g in guards if self.find(Region(b.reach.start, b.reach.avoid + [g.boxes]))]
        if b.forbidden_by and self.find(b.allowed) is None:
            b.always_forbidden = True

    # -- regions for the domain checks -------------------------------------------------
    def decided_with_action(self, rule_id: str) -> Region | None:
        """The events the rule decides with its own action (not forbidden by a guard)."""
        self.run()
        rf = self.facts[rule_id]
        if rf.shadow_proved:
            return None
        return rf.allowed if rf.allowed is not None else rf.reach

    def fallthrough(self) -> Region | None:
        """The events no deciding rule matches (decided by `otherwise`)."""
        self.run()
        if any(rf.boxes is None for rf in self.deciding):
            return None
        return Region(self.applicable(self.tree.otherwise), [rf.boxes for rf in self.deciding if _live(rf)])


def _live(rf: RuleFacts) -> bool:
    """Whether a rule may match some request (not proved unsatisfiable, nor its action never applying)."""
    return rf.satisfiable is not False and rf.applies is not False


class Prefilter:
    """Which earlier rules may overlap a rule, from the union of each rule's sets per term.

    Two rules whose sets for some term do not meet share no event. Finite terms
    are indexed as bit sets of rules per value, so the survivors of a rule are
    found with a few big-integer operations; numeric terms are compared after.
    """

    def __init__(self, rules: list[RuleFacts]):
        self.sigs: list[dict] = []
        self.constrained: dict = {}   # term -> bit set of rules constraining it
        self.allows: dict = {}        # (term, label index) -> bit set of rules allowing it
        for i, rf in enumerate(rules):
            sig: dict = {}
            if rf.boxes:
                common = set(rf.boxes[0]).intersection(*rf.boxes[1:])
                for t in common:
                    u = rf.boxes[0][t]
                    for b in rf.boxes[1:]:
                        u = u | b[t]
                    sig[t] = u
            self.sigs.append(sig)
            for t, u in sig.items():
                if isinstance(u, Finite):
                    self.constrained[t] = self.constrained.get(t, 0) | (1 << i)
                    for k in range(len(u.labels)):
                        if u.mask >> k & 1:
                            self.allows[(t, k)] = self.allows.get((t, k), 0) | (1 << i)

    def earlier(self, i: int) -> list[int]:
        bits = (1 << i) - 1
        numeric = []
        for t, u in self.sigs[i].items():
            if isinstance(u, Finite):
                ok = ~self.constrained.get(t, 0)
                for k in range(len(u.labels)):
                    if u.mask >> k & 1:
                        ok |= self.allows.get((t, k), 0)
                bits &= ok
            else:
                numeric.append((t, u))
        out = []
        j = 0
        while bits:
            if bits & 1:
                sig = self.sigs[j]
                if all(sig.get(t) is None or not (sig[t] & u).is_empty() for t, u in numeric):
                    out.append(j)
            bits >>= 1
            j += 1
        return out


def _components(box: Box, cache: dict) -> list[list[Term]]:
    """The box's terms grouped by the fields they share (cached by the set of terms)."""
    ids = frozenset(box)
    hit = cache.get(ids)
    if hit is not None:
        return hit
    parent: dict = {}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t in box:
        vs = list(t.vars) or [("term", t.id)]
        for v in vs:
            parent.setdefault(v, v)
        root = find(vs[0])
        for v in vs[1:]:
            parent[find(v)] = root
    groups: dict = {}
    for t in box:
        vs = list(t.vars) or [("term", t.id)]
        groups.setdefault(find(vs[0]), []).append(t)
    out = list(groups.values())
    cache[ids] = out
    return out
