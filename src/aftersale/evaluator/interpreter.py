"""The interpreter: rule tree + event → decision, with or without a trace.

Conditions on a missing value are false (the trace records which fields were
missing). Evaluation is one pass over the tree: no loops or recursion in the
language, so time is linear in the policy's size (and in the items of an order
for any/all/count).
"""
from __future__ import annotations

import operator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from .. import rules as ir
from ..events import Event
from ..functions import FUNCTIONS, Context
from ..hours import Calendar
from ..values import BOOL, MISSING, in_range
from .trace import RuleTrace, TraceNode, junction, negation, quantified

COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge}


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


def _eq(a, b) -> bool:
    return a == b


def compare(op: str, a, b) -> bool:
    try:
        return COMPARE[op](a, b)
    except TypeError:  # a value of another type than the field's (prevented by the checker)
        return False


def value(e: ir.Expr, s: Scope):
    """The value of an expression (MISSING propagates)."""
    if isinstance(e, ir.Field):
        return s.field(e)
    if isinstance(e, ir.Literal):
        return e.value
    if isinstance(e, ir.Arith):
        a, b = value(e.left, s), value(e.right, s)
        if a is MISSING or b is MISSING:
            return MISSING
        try:
            out = a + b if e.op == "+" else a - b
        except (TypeError, OverflowError):  # OverflowError: a timestamp past year 9999
            return MISSING
        return MISSING if isinstance(out, datetime) and not in_range(out) else out
    if isinstance(e, ir.Call):
        args = [value(a, s) for a in e.args]
        if any(a is MISSING for a in args):
            return MISSING
        return FUNCTIONS[e.function].impl(s.ctx, *args)
    if isinstance(e, ir.Quantifier) and e.kind == "count":
        items = s.field(e.collection)
        if items is MISSING:
            return MISSING
        if e.condition is None:
            return Decimal(len(items))
        return Decimal(sum(1 for it in items if holds(e.condition, Scope(s.event, s.ctx, it))))
    return holds(e, s)


def holds(e: ir.Expr, s: Scope) -> bool:
    """Whether a condition holds (the fast path: no trace)."""
    if isinstance(e, ir.And):
        return all(holds(x, s) for x in e.operands)
    if isinstance(e, ir.Or):
        return any(holds(x, s) for x in e.operands)
    if isinstance(e, ir.Not):
        return not holds(e.operand, s)
    if isinstance(e, ir.Compare):
        a, b = value(e.left, s), value(e.right, s)
        return a is not MISSING and b is not MISSING and compare(e.op, a, b)
    if isinstance(e, ir.Between):
        a, lo, hi = value(e.subject, s), value(e.low, s), value(e.high, s)
        return MISSING not in (a, lo, hi) and compare("<=", lo, a) and compare("<=", a, hi)
    if isinstance(e, ir.InList):
        a = value(e.subject, s)
        if a is MISSING:
            return False
        found = any(a == value(o, s) for o in e.options)
        return not found if e.negated else found
    if isinstance(e, ir.Presence):
        return (value(e.subject, s) is not MISSING) == e.present
    if isinstance(e, ir.Quantifier) and e.kind in ("any", "all"):
        items = s.field(e.collection)
        if items is MISSING:
            return False
        test = (holds(e.condition, Scope(s.event, s.ctx, it)) for it in items)
        return any(test) if e.kind == "any" else all(test)
    v = value(e, s)
    return v is True


# -- the traced path ------------------------------------------------------------

def _operands(e: ir.Expr) -> tuple[ir.Expr, ...]:
    """The operands whose values a leaf's trace shows."""
    if isinstance(e, ir.Compare):
        return (e.left, e.right)
    if isinstance(e, ir.Between):
        return (e.subject, e.low, e.high)
    if isinstance(e, ir.InList):
        return (e.subject,) + e.options
    if isinstance(e, ir.Presence):
        return (e.subject,)
    if isinstance(e, ir.Call):
        return e.args
    if isinstance(e, ir.Quantifier):
        return (e.collection,)
    return (e,)


def _fields_in(e: ir.Expr):
    """The fields a leaf reads from its scope; a quantifier's condition reads items, not the event."""
    out, stack = [], [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Field):
            out.append(node)
        elif isinstance(node, ir.Quantifier):
            stack.append(node.collection)
        else:
            stack.extend(reversed(list(node.children())))
    return out


def traced(e: ir.Expr, s: Scope) -> TraceNode:
    """Evaluate a condition, recording a node per condition (values kept raw, formatted later)."""
    if isinstance(e, (ir.And, ir.Or)):
        return junction(e, isinstance(e, ir.Or), e.operands, lambda x: traced(x, s))
    if isinstance(e, ir.Not):
        return negation(e, traced(e.operand, s))
    if isinstance(e, ir.Quantifier) and e.kind in ("any", "all") and e.condition is not None:
        return quantified(e, s.field(e.collection), lambda it: traced(e.condition, Scope(s.event, s.ctx, it)))
    node = TraceNode(e)
    node.values = [(x, value(x, s)) for x in _operands(e)]
    node.result = holds(e, s)
    for f in _fields_in(e):
        if s.field(f) is MISSING and f.dotted not in node.missing:
            node.missing.append(f.dotted)
    return node


class Interpreter:
    """Decides events for one policy; holds what is fixed per policy (zone, calendar)."""

    def __init__(self, policy: ir.Policy):
        self.policy = policy
        self.tz = ZoneInfo(policy.timezone)
        self.calendar = Calendar(policy.holidays)

    def context(self, event: Event) -> Context:
        at = event.get(("at",))
        return Context(self.tz, self.policy.service_hours, self.calendar, None if at is MISSING else at)

    def run(self, event: Event, trace: bool):
        """(action, rule id, guard ids, forbidden action or None, traces or None)."""
        s = Scope(event, self.context(event))
        traces: list[RuleTrace] | None = [] if trace else None

        def matches(rule: ir.Rule) -> bool:
            if traces is None:
                return holds(rule.when, s)
            traces.append(RuleTrace(rule, traced(rule.when, s)))
            return traces[-1].matched

        forbidden: dict[str, str] = {}
        guards: list[str] = []
        for rule in self.policy.guards:
            if matches(rule):
                guards.append(rule.id)
                for action in rule.forbids:
                    forbidden.setdefault(action, rule.id)
        for rule in self.policy.deciding_rules:
            if matches(rule):
                if rule.action in forbidden:
                    return "manual_review", rule.id, guards, rule.action, traces
                return rule.action, rule.id, guards, None, traces
        return self.policy.otherwise, None, guards, None, traces


__all__ = ["Interpreter", "holds", "value", "traced", "BOOL"]
