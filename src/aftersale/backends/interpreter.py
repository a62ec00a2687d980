"""The interpreter: rule tree + event → decision, with or without a trace. The reference backend.

Every operator's meaning comes from `semantics` (three-valued: a condition
that reads a missing value is unknown); this module only walks the tree.
Evaluation is one pass over the tree: no loops or recursion in the language,
so time is linear in the policy's size (and in the items of an order for
any/all/count).
"""
from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import assert_never
from zoneinfo import ZoneInfo

from .. import rules as ir
from .. import semantics as sem
from ..events import Event
from ..functions import Context
from ..hours import Calendar
from ..rules import Quant
from ..values import MISSING
from ..decision.trace import RuleTrace, TraceNode, junction, negation, not_applicable, quantified


class Scope:
    """Where field paths are read: the event, and inside a quantifier, one item."""

    __slots__ = ("event", "item", "ctx")

    def __init__(self, event: Event, ctx: Context, item: dict | None = None):
        self.event, self.ctx, self.item = event, ctx, item

    def field(self, f: ir.Field):
        if f.path[0] == "item" and self.item is not None:
            value = self.item
            for key in f.path[1:]:
                value = value.get(key, MISSING) if isinstance(value, dict) else MISSING
            return MISSING if value is None else value
        return self.event.get(f.path)

    def within(self, item: dict) -> "Scope":
        return Scope(self.event, self.ctx, item)


def _each(q: ir.Quantifier, items, s: Scope):
    return (holds(q.condition, s.within(it)) for it in items)


def value(e: ir.Expr, s: Scope):
    """The value of an expression (MISSING where it reads a missing value); a condition's is its truth."""
    match e:
        case ir.Field():
            return s.field(e)
        case ir.Literal():
            return e.value
        case ir.Arith():
            return sem.arith(e.op, value(e.left, s), value(e.right, s))
        case ir.Call():
            return sem.call(e.function, s.ctx, (value(a, s) for a in e.args))
        case ir.Quantifier(kind=Quant.COUNT):
            items = s.field(e.collection)
            if items is MISSING:
                return MISSING
            if e.condition is None:
                return Decimal(len(items))
            return sem.quantify_count(_each(e, items, s))
        case _:
            return holds(e, s)


def holds(e: ir.Expr, s: Scope) -> sem.Truth:
    """A condition's truth: True, False or UNKNOWN (the fast path: no trace)."""
    match e:
        case ir.And():
            return sem.and3(holds(x, s) for x in e.operands)
        case ir.Or():
            return sem.or3(holds(x, s) for x in e.operands)
        case ir.Not():
            return sem.not3(holds(e.operand, s))
        case ir.Compare():
            return sem.compare(e.op, value(e.left, s), value(e.right, s))
        case ir.Between():
            return sem.between(value(e.subject, s), value(e.low, s), value(e.high, s))
        case ir.InList() if e.constants is not None:  # a list of literals: one set lookup
            return sem.member_set(value(e.subject, s), e.constants, e.negated)
        case ir.InList():
            return sem.member(value(e.subject, s), (value(o, s) for o in e.options), e.negated)
        case ir.Presence():
            return sem.present(value(e.subject, s), e.present)
        case ir.Quantifier(kind=Quant.ANY | Quant.ALL):
            items = s.field(e.collection)
            if items is MISSING:
                return sem.UNKNOWN
            each = _each(e, items, s)
            return sem.quantify_any(each) if e.kind is Quant.ANY else sem.quantify_all(each)
        case ir.Field() | ir.Literal() | ir.Call() | ir.Arith() | ir.Quantifier():
            return sem.truth(value(e, s))
        case _:
            assert_never(e)


# -- the traced path ------------------------------------------------------------

def operands(e: ir.Expr) -> tuple[ir.Expr, ...]:
    """The operands whose values a leaf's trace shows."""
    match e:
        case ir.Compare():  # and what a scaled bound was computed from (explain: "30% of ¥129.00")
            right = e.right
            scaled = (right.left, right.right) if isinstance(right, ir.Arith) and right.op in ir.SCALINGS else ()
            return (e.left, e.right) + scaled
        case ir.Between():
            return (e.subject, e.low, e.high)
        case ir.InList() if e.constants is not None and len(e.options) > ir.SHOWN_OPTIONS:
            return (e.subject,)  # literals: the trace need not carry 30,000 of them
        case ir.InList():
            return (e.subject,) + e.options
        case ir.Presence():
            return (e.subject,)
        case ir.Call():
            return e.args
        case ir.Quantifier():
            return (e.collection,)
        case ir.Field() | ir.Literal() | ir.Arith() | ir.And() | ir.Or() | ir.Not():
            return (e,)
        case _:
            assert_never(e)


def fields_in(e: ir.Expr):
    """The fields a leaf reads from its scope; a quantifier's condition reads items, not the event."""
    out, stack = [], [e]
    while stack:
        node = stack.pop()
        match node:
            case ir.Field():
                out.append(node)
            case ir.Quantifier():
                stack.append(node.collection)
            case ir.Literal() | ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.And() | ir.Or() \
                    | ir.Not() | ir.Arith() | ir.Call():
                stack.extend(reversed(list(node.children())))
            case _:
                assert_never(node)
    return out


def traced(e: ir.Expr, s: Scope) -> TraceNode:
    """Evaluate a condition, recording a node per condition (values kept raw, formatted later)."""
    match e:
        case ir.And() | ir.Or():
            return junction(e, isinstance(e, ir.Or), e.operands, lambda x: traced(x, s))
        case ir.Not():
            return negation(e, traced(e.operand, s))
        case ir.Quantifier(kind=Quant.ANY | Quant.ALL) if e.condition is not None:
            return quantified(e, s.field(e.collection), lambda it: traced(e.condition, s.within(it)))
    node = TraceNode(e)
    node.values = [(x, value(x, s)) for x in operands(e)]
    node.result = holds(e, s)
    for f in fields_in(e):
        if s.field(f) is MISSING and f.dotted not in node.missing:
            node.missing.append(f.dotted)
    return node


class AtMoment:
    """An event seen at another evaluation moment (`at`), for rechecks."""

    __slots__ = ("event", "at", "id")

    def __init__(self, event: Event, at):
        self.event, self.at, self.id = event, at, event.id

    def get(self, path: tuple[str, ...]):
        return self.at if path == ("at",) else self.event.get(path)


class Interpreter:
    """Decides events for one policy; holds what is fixed per policy (zone, calendar)."""

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        self.tz = ZoneInfo(policy.timezone)
        self.calendar = Calendar(policy.holidays)

    def context(self, event: Event, at=None) -> Context:
        if at is None:
            at = event.get(("at",))
        return Context(self.tz, self.policy.service_hours, self.calendar, None if at is MISSING else at)

    def verdict(self, event: Event, trace: bool, at=None) -> tuple[sem.Verdict, list[RuleTrace] | None]:
        """The verdict (semantics.decide) and, when traced, a trace per rule looked at.

        `at` evaluates the event at another moment than its own (rechecks)."""
        s = Scope(event, self.context(event, at))
        traces: list[RuleTrace] | None = [] if trace else None

        def condition(rule: ir.Rule) -> sem.Truth:
            if traces is None:
                return holds(rule.when, s)
            traces.append(RuleTrace(rule, traced(rule.when, s)))
            return traces[-1].condition.result

        def skipped(rule: ir.Rule) -> None:
            if traces is not None:
                traces.append(not_applicable(rule))

        p = self.policy
        verdict = sem.decide(p.guards, p.deciding_rules, p.otherwise, event.get(("request", "kind")),
                             event.get(("request", "status")), condition, skipped)
        return verdict, traces

    def recheck_at(self, event: Event, verdict: sem.Verdict | None = None):
        """The earliest moment after the event's `at` at which deciding it again gives another decision."""
        from ..decision.recheck import Clocked, recheck_at

        clocked = self.clocked
        if not clocked or sem.closed(event.get(("request", "status"))):
            return None
        at = event.get(("at",))

        def decide_at(moment):
            v = verdict if moment == at and verdict is not None else self.verdict(AtMoment(event, moment), False)[0]
            return v.action, v.rule, v.forbidden_by

        def evaluate(e: ir.Expr, moment):
            return value(e, Scope(AtMoment(event, moment), self.context(event, moment)))

        return recheck_at(at, decide_at, clocked, evaluate, self.tz, self.policy.service_hours)

    @cached_property
    def clocked(self):
        from ..decision.recheck import Clocked

        return Clocked(self.policy)

    def run(self, event: Event, trace: bool):
        """(action, rule id, guard ids, forbidden action or None, traces or None)."""
        v, traces = self.verdict(event, trace)
        return v.action, v.rule, list(v.guards), v.forbidden_action, traces


__all__ = ["Interpreter", "holds", "value", "traced", "operands", "fields_in", "Scope"]
