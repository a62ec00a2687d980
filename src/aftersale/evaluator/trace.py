"""Typed trace data: what the traced path records while deciding.

Values are kept raw here; `record.py` formats them only when a decision
record is made, so tracing stays cheap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import rules as ir
from ..values import MISSING


class TraceNode:
    """One condition as evaluated: its node, result, operand values, missing fields, children."""

    __slots__ = ("expr", "result", "skipped", "values", "missing", "children")

    def __init__(self, expr: ir.Expr, result: bool | None = None, skipped: bool = False):
        self.expr = expr
        self.result = result
        self.skipped = skipped
        self.values: list[tuple[ir.Expr, Any]] = []
        self.missing: list[str] = []
        self.children: list[TraceNode] = []


def junction(expr: ir.Expr, is_or: bool, items, evaluate, expr_of=lambda item: item) -> TraceNode:
    """An `and`/`or` node: items are evaluated in order until one decides; the rest are recorded skipped.

    Shared by the interpreter (items are expressions) and the compiled path's
    trace replay (items are plan nodes), so both short-circuit the same way.
    """
    node = TraceNode(expr)
    result = not is_or  # until an item decides
    for item in items:
        if result is not is_or:
            child = evaluate(item)
            node.children.append(child)
            if child.result is is_or:
                result = is_or
        else:
            node.children.append(TraceNode(expr_of(item), skipped=True))
    node.result = result
    return node


def quantified(expr: ir.Quantifier, items, each) -> TraceNode:
    """An `any`/`all` node over items (MISSING: false): `each(item)` traces the condition on one item,
    stopping at the first item that decides."""
    node = TraceNode(expr)
    node.values = [(expr.collection, items)]
    if items is MISSING:
        node.missing.append(expr.collection.dotted)
        node.result = False
        return node
    result = expr.kind == "all"
    for item in items:
        child = each(item)
        node.children.append(child)
        if child.result is not result:
            result = child.result
            break
    node.result = result
    return node


def negation(expr: ir.Expr, child: TraceNode) -> TraceNode:
    node = TraceNode(expr, result=not child.result)
    node.children.append(child)
    return node


@dataclass
class RuleTrace:
    rule: ir.Rule
    condition: TraceNode
    matched: bool = field(init=False)

    def __post_init__(self):
        self.matched = bool(self.condition.result)
