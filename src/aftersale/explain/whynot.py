"""Why not RULE: one rule evaluated against an event on its own, every condition checked.

A decision's trace stops where the decision does: rules after the deciding
one are not evaluated, and an `and` stops at its first failed condition. To
say what RULE lacks, `explain --why-not` evaluates that rule's condition with
the interpreter, without short-circuiting, so every failing condition is
listed with what would pass. The result is a trace entry shaped as a record's
(`record.py`), so the explain renderers word it like any other.
"""
from __future__ import annotations

from typing import Any, assert_never

from .. import semantics
from .. import rules as ir
from ..events import Event
from ..backends.interpreter import Interpreter, Scope, holds, traced
from ..decision.record import RecordWriter
from ..decision.trace import RuleTrace, TraceNode


def exhaustive(e: ir.Expr, s: Scope) -> TraceNode:
    """`traced`, with every operand of `and`/`or`/`not` evaluated (none skipped); each node's result
    is the interpreter's own (`holds`), so the logic stays the backend's."""
    match e:
        case ir.And() | ir.Or() if e.operands:
            node = TraceNode(e, result=holds(e, s))
            node.children = [exhaustive(x, s) for x in e.operands]
            return node
        case ir.Not():
            node = TraceNode(e, result=holds(e, s))
            node.children = [exhaustive(e.operand, s)]
            return node
        case ir.And() | ir.Or() | ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.Field() \
                | ir.Literal() | ir.Arith() | ir.Call() | ir.Quantifier():
            return traced(e, s)  # a leaf, or a quantifier (which stops at the item that decides, as it should)
        case _:
            assert_never(e)


def action_applies(rule: ir.Rule, event: Event) -> dict[str, Any] | None:
    """Whether the rule's action applies to the request's kind and status (product.md, "Where an action
    applies", `semantics.applies`): {"action", "kind", "status", "applies"}; None for a guard."""
    if rule.is_guard:
        return None
    kind, status = event.get(("request", "kind")), event.get(("request", "status"))
    return {"action": rule.action, "kind": kind, "status": status,
            "applies": bool(semantics.applies(rule.action, kind, status))}


def why_not(policy: ir.Policy, event: Event, rule_id: str) -> dict[str, Any] | None:
    """The trace entry of `rule_id` (a rule before a guard of the same id) for `event`, every condition
    evaluated, plus `applies` (see `action_applies`); None when the policy has no such rule."""
    rule = next((r for r in policy.deciding_rules if r.id == rule_id), None) or policy.rule(rule_id)
    if rule is None:
        return None
    interpreter = Interpreter(policy)
    scope = Scope(event, interpreter.context(event))
    applicability = action_applies(rule, event)
    applies = applicability is None or applicability["applies"]
    entry = RecordWriter(interpreter).rule(RuleTrace(rule, exhaustive(rule.when, scope), applies=applies))
    entry["exhaustive"] = True
    entry["applicability"] = applicability
    return entry


__all__ = ["action_applies", "exhaustive", "why_not"]
