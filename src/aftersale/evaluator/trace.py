"""Typed trace data: what the traced path records while deciding.

Values are kept raw here; `record.py` formats them only when a decision
record is made, so tracing stays cheap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import rules as ir


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


@dataclass
class RuleTrace:
    rule: ir.Rule
    condition: TraceNode
    matched: bool = field(init=False)

    def __post_init__(self):
        self.matched = bool(self.condition.result)
