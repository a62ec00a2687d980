"""The one place diff calls lint's reasoning (boxes, exact deciders, z3, example builder).

Lint on this branch still reads conditions two-valued (a missing value makes a
comparison false, and `not` flips it). Version 2 conditions are three-valued,
so this adapter first rewrites a condition into two negation-free conditions
whose two-valued meaning is exactly the three-valued one:

- `truth(e)`: the events where `e` is **true** (a rule acts there);
- `falsity(e)`: the events where `e` is **false** (a guard allows there).

Without `not`, a comparison that reads a missing value is false in lint's
reading, which is what "not true" / "not false" need. Negation moves to the
leaves (`not (a < b)` is false-able only as `a >= b`, with both present), so
lint's complement-with-missing is never used. Applicability of actions and the
open statuses are conditions on `request.kind` and `request.status` built here
from `semantics.APPLIES`. When lint-v2 reads conditions three-valued itself,
`truth`/`falsity` become calls into it.

>>> from aftersale import compile
>>> r = compile('rule a: when not (request.amount < ¥300) then reject').tree.rules[0]
>>> print(dump(truth(r.when)))
Compare(op='>=')
  Field(path=('request', 'amount'), type=money)
  Literal(value=Decimal('300'), type=money)
"""
from __future__ import annotations

from typing import assert_never

from .. import rules as ir
from .. import semantics as sem
from ..rules import dump  # noqa: F401 - used by the doctest
from ..values import BOOL, ENUM
from ..lint.analysis import UNKNOWN, Analysis, Region
from ..lint.boxes import TooComplex, dnf, restrict
from ..lint.examples import Builder
from ..lint.terms import CALENDAR_FUNCTIONS, Unsupported, money_with_number
from ..lint.world import World

__all__ = ["Reasoner", "reads_calendar", "truth", "falsity", "applies", "open_not_applying", "restrict_all", "project", "Unsupported",
           "UNKNOWN"]

_NEGATED = {ir.Op.EQ: ir.Op.NE, ir.Op.NE: ir.Op.EQ, ir.Op.LT: ir.Op.GE, ir.Op.GE: ir.Op.LT,
            ir.Op.LE: ir.Op.GT, ir.Op.GT: ir.Op.LE}
_KIND = ir.Field(("request", "kind"), ENUM)
_STATUS = ir.Field(("request", "status"), ENUM)


def truth(e: ir.Expr) -> ir.Expr:
    """A negation-free condition that holds (two-valued) exactly where `e` is true (three-valued)."""
    return _rewrite(e, True)


def falsity(e: ir.Expr) -> ir.Expr:
    """A negation-free condition that holds (two-valued) exactly where `e` is false (three-valued)."""
    return _rewrite(e, False)


def _rewrite(e: ir.Expr, want: bool) -> ir.Expr:
    match e:
        case ir.Not():
            return _rewrite(e.operand, not want)
        case ir.And() | ir.Or():
            parts = tuple(_rewrite(x, want) for x in e.operands)
            if want:
                return type(e)(parts)
            return ir.Or(parts) if isinstance(e, ir.And) else ir.And(parts)  # false: some part false / every part
        case ir.Literal():
            if e.type is not BOOL:
                raise Unsupported("reason.value_as_condition")
            return ir.Literal(bool(e.value) == want, BOOL)
        case ir.Presence():
            return e if want else ir.Presence(e.subject, not e.present)
        case ir.Compare() | ir.Between() | ir.InList() | ir.Quantifier() | ir.Field() | ir.Call() | ir.Arith():
            _no_count(e)
            return _atom(e, want)
        case _:
            assert_never(e)


def _atom(e: ir.Expr, want: bool) -> ir.Expr:
    """A condition without and/or/not: where it is true (`want`) or false, negation-free."""
    match e:
        case ir.Compare(left=ir.Literal(), right=ir.Literal()):
            held = sem.compare(e.op, e.left.value, e.right.value)  # constants: lint on this branch cannot fold them
            if held is sem.UNKNOWN:
                raise Unsupported("reason.mixed_kinds")
            return ir.Literal(held == want, BOOL)
        case ir.Compare() | ir.Between() | ir.InList() | ir.Quantifier() | ir.Field() | ir.Call() | ir.Arith() if want:
            return e  # true: lint's two-valued reading of the condition itself
        case ir.Compare():
            return ir.Compare(_NEGATED[e.op], e.left, e.right)
        case ir.Between():
            return ir.Or((ir.Compare(ir.Op.LT, e.subject, e.low), ir.Compare(ir.Op.GT, e.subject, e.high)))
        case ir.InList():
            if not all(isinstance(o, ir.Literal) for o in e.options):
                raise Unsupported("reason.in_fields")
            return ir.InList(e.subject, e.options, not e.negated)
        case ir.Quantifier(kind=ir.Quant.ANY | ir.Quant.ALL) if e.condition is not None:
            # any is false where every item's condition is false; all where some item's is. A missing list
            # leaves both unknown, so the flipped quantifier is not true there either: lint reads a quantifier
            # as an atom that is true, false or unknown, and no presence test of the list is needed (lint
            # could not model one: every rule over items was undecided).
            flipped = ir.Quant.ALL if e.kind is ir.Quant.ANY else ir.Quant.ANY
            return ir.Quantifier(flipped, e.collection, _rewrite(e.condition, False))
        case ir.Field() | ir.Call():
            return ir.Compare(ir.Op.EQ, e, ir.Literal(False, BOOL))
        case ir.Quantifier() | ir.Arith():  # count() and arithmetic are numbers, not conditions
            raise Unsupported("reason.value_as_condition")
        case _:
            assert_never(e)


def _no_count(e: ir.Expr) -> None:
    # count() with a condition is unknown when one item's answer is: lint counts it as "no"
    for node in ir.walk(e):
        if isinstance(node, ir.Quantifier) and node.kind is ir.Quant.COUNT and node.condition is not None:
            raise Unsupported("reason.count_condition")


def _state(pairs) -> ir.Expr:
    """The requests whose (kind, status) is one of `pairs` (kind ANY_KIND: every kind)."""
    parts = []
    for kind, status in sorted(pairs, key=lambda p: (p[1], p[0] or "")):
        s = ir.Compare(ir.Op.EQ, _STATUS, ir.Literal(status, ENUM))
        parts.append(s if kind is sem.ANY_KIND else ir.And((ir.Compare(ir.Op.EQ, _KIND, ir.Literal(kind, ENUM)), s)))
    return ir.Or(tuple(parts))


def applies(action: str) -> ir.Expr:
    """Where `action` applies (semantics.APPLIES), as a condition."""
    return _state(sem.applicable_states(action))


def open_not_applying(action: str) -> ir.Expr:
    """Open requests where `action` does not apply."""
    kinds = ("refund_only", "return_refund", "exchange")
    pairs = {(k, s) for k in kinds for s in sem.OPEN_STATUSES if not sem.applies(action, k, s)}
    return _state(pairs) if pairs else ir.Literal(False, BOOL)


def reads_calendar(e: ir.Expr) -> bool:
    """Whether `e` asks the calendar (service hours, holidays, the time zone)."""
    return any(isinstance(n, ir.Call) and n.function in CALENDAR_FUNCTIONS for n in ir.walk(e))


class Reasoner:
    """Boxes, regions, witnesses and examples for conditions of two versions of one policy."""

    def __init__(self, old: ir.Policy, new: ir.Policy):
        self.old, self.new = old, new
        #: the two versions read service hours alike (else conditions on the calendar are not compared)
        self.same_calendar = World.of(old) == World.of(new)
        self.analysis = Analysis(ir.Policy(new.name, (), platform=new.platform, timezone=new.timezone,
                                           currency=new.currency, service_hours=new.service_hours,
                                           holidays=new.holidays))
        self._boxes: dict = {}
        self._builder = Builder(new, self.analysis.world, self.analysis.terms)

    def check(self, e: ir.Expr) -> None:
        """Raise Unsupported for what the comparison cannot model."""
        if not self.same_calendar and reads_calendar(e):
            raise Unsupported("reason.calendar_changed")
        if money_with_number(e):  # lint's sets count money in whole fen
            raise Unsupported("reason.money_with_number")

    def truth(self, e: ir.Expr) -> ir.Expr:
        self.check(e)
        return _deep(truth(e))

    def falsity(self, e: ir.Expr) -> ir.Expr:
        self.check(e)
        return _deep(falsity(e))

    def boxes(self, cond: ir.Expr) -> list:
        """The condition as boxes (raises Unsupported when lint cannot model it)."""
        hit = self._boxes.get(cond)
        if hit is None:
            try:  # lint's boxes_of, keeping why it failed (diff says it)
                hit = dnf(cond, self.analysis.terms)
            except TooComplex:
                raise Unsupported("reason.too_complex") from None
            except RecursionError:
                raise Unsupported("reason.not_modelled") from None
            self._boxes[cond] = hit
        return hit

    def meet(self, conds: list[ir.Expr]) -> list:
        """Boxes of the conjunction (raises Unsupported when too complex)."""
        out = [{}]
        for c in conds:
            try:
                out = restrict(out, self.boxes(c))
            except TooComplex:
                raise Unsupported("reason.too_complex") from None
            if not out:
                return []
        return out

    def find(self, start: list, avoid: list[ir.Expr], seen: list | None = None):
        """A realisable box in `start` outside every condition of `avoid` (and every box in `seen`):
        the box, None (proved empty) or UNKNOWN (budget spent)."""
        avoid_boxes = [self.boxes(c) for c in avoid] + [[b] for b in seen or ()]
        return self.analysis.find(Region(start, avoid_boxes))

    def terms_of(self, conds: list[ir.Expr]) -> set:
        """The terms the conditions' boxes constrain (for describing a region in the policy's terms)."""
        out: set = set()
        for c in conds:
            try:
                for box in self.boxes(c):
                    out.update(box)
            except Unsupported:
                continue
        return out

    @property
    def spent(self) -> bool:
        return self.analysis.budget.spent

    def example(self, box, prove) -> dict | None:
        """An event in `box` for which `prove(event)` holds (the caller decides it with both policies)."""
        return self._builder.build(box, lambda decision, event: prove(event))


def _deep(e: ir.Expr) -> ir.Expr:
    """Rewrite the conditions inside any/all quantifiers as well (they are three-valued too)."""
    match e:
        case ir.And() | ir.Or():
            return type(e)(tuple(_deep(x) for x in e.operands))
        case ir.Quantifier(kind=ir.Quant.ANY | ir.Quant.ALL) if e.condition is not None:
            return ir.Quantifier(e.kind, e.collection, truth(e.condition))  # a missing list: unknown, not true
        case ir.Field() | ir.Literal() | ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.Not() \
                | ir.Arith() | ir.Call() | ir.Quantifier():
            return e  # negation-free already (`truth`/`falsity` moved every `not` to the leaves)
        case _:
            assert_never(e)


def restrict_all(xs: list, ys: list) -> list:
    """Boxes of both unions (raises Unsupported when too many pieces)."""
    try:
        return restrict(xs, ys)
    except TooComplex:
        raise Unsupported("reason.too_complex") from None


def project(pieces: list, terms: set) -> list:
    """Pieces cut down to `terms`, equal ones dropped and ones differing in one term joined."""
    out: list[dict] = []
    for piece in pieces:
        box = {t: s for t, s in piece.items() if t in terms}
        for i, other in enumerate(out):
            if other.keys() == box.keys():
                diff = [t for t in box if box[t] != other[t]]
                if len(diff) <= 1:
                    if diff:
                        out[i] = {**other, diff[0]: other[diff[0]] | box[diff[0]]}
                    break
        else:
            out.append(box)
    return out
