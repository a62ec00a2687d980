"""Typed trace data: what the traced path records while deciding.

Values are kept raw here; `record.py` formats them only when a decision
record is made, so tracing stays cheap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import rules as ir
from ..semantics import UNKNOWN, not3
from ..values import MISSING


class TraceNode:
    """One condition as evaluated: its node, result (True, False or UNKNOWN), operand values, missing
    fields, children."""

    __slots__ = ("expr", "result", "skipped", "values", "missing", "children")

    def __init__(self, expr: ir.Expr, result: bool | None = None, skipped: bool = False):
        self.expr = expr
        self.result = result
        self.skipped = skipped
        self.values: list[tuple[ir.Expr, Any]] = []
        self.missing: list[str] = []
        self.children: list[TraceNode] = []


def junction(expr: ir.Expr, is_or: bool, items, evaluate, expr_of=lambda item: item) -> TraceNode:
    """An `and`/`or` node (three-valued): items are evaluated in order until one decides (a false one for
    `and`, a true one for `or`); the rest are recorded skipped.

    Shared by the interpreter (items are expressions) and the compiled path's
    trace replay (items are plan nodes), so both short-circuit the same way.
    """
    node = TraceNode(expr)
    result = not is_or  # until an item decides
    decided = False
    for item in items:
        if not decided:
            child = evaluate(item)
            node.children.append(child)
            if child.result is is_or:
                result, decided = is_or, True
            elif child.result is UNKNOWN:
                result = UNKNOWN
        else:
            node.children.append(TraceNode(expr_of(item), skipped=True))
    node.result = result
    return node


def quantified(expr: ir.Quantifier, items, each) -> TraceNode:
    """An `any`/`all` node over items (three-valued; a missing list is unknown): `each(item)` traces the
    condition on one item, stopping at the first item that decides (true for any, false for all)."""
    node = TraceNode(expr)
    node.values = [(expr.collection, items)]
    if items is MISSING:
        node.missing.append(expr.collection.dotted)
        node.result = UNKNOWN
        return node
    deciding = expr.kind == "any"  # the answer that stops the search
    result = not deciding
    for item in items:
        child = each(item)
        node.children.append(child)
        if child.result is deciding:
            result = deciding
            break
        if child.result is UNKNOWN:
            result = UNKNOWN
    node.result = result
    return node


def negation(expr: ir.Expr, child: TraceNode) -> TraceNode:
    node = TraceNode(expr, result=not3(child.result))
    node.children.append(child)
    return node


@dataclass
class RuleTrace:
    """One rule as looked at. `matched`: a rule's condition was true; a guard is in force (its condition
    was true, or unknown: when in doubt a person decides). `applies` is False for a rule whose action does
    not apply to the request's kind and status (its condition was not evaluated)."""

    rule: ir.Rule
    condition: TraceNode
    applies: bool = True
    matched: bool = field(init=False)

    def __post_init__(self):
        result = self.condition.result
        self.matched = self.applies and (result is not False if self.rule.is_guard else result is True)


def not_applicable(rule: ir.Rule) -> RuleTrace:
    """The trace of a rule whose action does not apply to the request (its condition is not evaluated)."""
    return RuleTrace(rule, TraceNode(rule.when, skipped=True), applies=False)
