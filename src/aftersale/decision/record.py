"""Decision records: the stable JSON shape of a decision (schema/decision.json).

A record is self-contained: every condition carries its source text, position,
typed values and fact code (`facts.py`), so it renders again, in any language,
after the policy changed. Records hold no sentences (schema_version 2).
"""
from __future__ import annotations

import hashlib
from typing import Any

from .. import rules as ir
from ..values import to_json_value
from .facts import FactWriter, field_of
from ..syntax.parser import shorten_lists
from .trace import RuleTrace, TraceNode

NODE_KINDS = ir.every_kind({ir.And: "and", ir.Or: "or", ir.Not: "not", ir.Compare: "compare",
                            ir.Between: "between", ir.InList: "in", ir.Presence: "presence", ir.Call: "call",
                            ir.Quantifier: "quantifier", ir.Field: "value", ir.Literal: "value", ir.Arith: "value"},
                           "NODE_KINDS")


def policy_info(policy: ir.Policy) -> dict[str, Any]:
    text = policy.source.text if policy.source is not None else ""
    hours = policy.service_hours
    return {
        "name": policy.name,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "file": policy.source.name if policy.source is not None else None,
        "timezone": policy.timezone,
        "currency": policy.currency,
        "service_hours": hours.to_mapping() if hours is not None else None,
        "holidays": policy.holidays,
        "otherwise": policy.otherwise,
    }


def result_code(t: TraceNode) -> bool | str | None:
    """A node's `result`: true, false, "unknown" (three-valued logic), or null when skipped."""
    if t.skipped:
        return None
    if t.result is True or t.result is False:
        return t.result
    return "unknown"


SCHEMA_VERSION = 2


def encode(decision, policy: dict[str, Any], trace: list[dict[str, Any]]) -> dict[str, Any]:
    """The decision record: the one encoder behind `Decision.to_json`, eval, explain and simulate."""
    return {
        "schema_version": SCHEMA_VERSION,
        "event_id": decision.event_id,
        "at": to_json_value(decision.at),
        "action": decision.action,
        "rule": decision.rule,
        "guards": list(decision.guards),
        "decided_by": decision.decided_by,
        "forbidden_by": decision.forbidden_by,
        "forbidden_action": decision.forbidden_action,
        "recheck_at": to_json_value(decision.recheck_at),
        "policy": policy,
        "trace": trace,
    }


class RecordWriter:
    def __init__(self, interpreter):
        self.policy: ir.Policy = interpreter.policy
        self.facts = FactWriter(interpreter)
        self.tz = interpreter.tz

    def text(self, node: ir.Node) -> str:
        src = self.policy.source
        if src is None or node.span.end <= node.span.start:
            from ..syntax.fmt import expr_text

            return shorten_lists(expr_text(node)) if isinstance(node, ir.Expr) else ""
        return shorten_lists(" ".join(src.text_of(node.span).split()))

    def rule_text(self, rule: ir.Rule) -> str:
        """A rule's own source: a YAML block keeps its lines, without the comments that follow it
        (they belong to the next rule)."""
        src = self.policy.source
        if src is None or rule.span.end <= rule.span.start:
            return self.text(rule)
        lines = src.text_of(rule.span).splitlines()
        while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
            lines.pop()
        if len(lines) == 1:
            return shorten_lists(" ".join(lines[0].split()))
        indent = " " * max(rule.span.column - 1, 0)
        kept = [lines[0].rstrip()] + [line.rstrip().removeprefix(indent) for line in lines[1:]]
        return shorten_lists("\n".join(kept))

    def node(self, t: TraceNode) -> dict[str, Any]:
        e = t.expr
        kind = NODE_KINDS[type(e)]
        if isinstance(e, ir.And) and not e.operands:
            kind = "always"
        out: dict[str, Any] = {
            "node": kind,
            "text": self.text(e),
            "span": e.span.to_json(),
            "result": result_code(t),
            "skipped": t.skipped,
        }
        if t.values:
            subject = field_of(t.values[0][0])  # a literal enum value is worded as a value of the subject's field
            out["values"] = [{"text": self.text(x), "value": self.facts.value(x, v, subject)} for x, v in t.values]
        if t.missing:
            out["missing"] = list(t.missing)
        if not t.skipped and kind not in ("and", "or", "not", "always"):
            out["fact"] = self.facts.fact(e, t.values)
        elif kind == "always":
            out["fact"] = {"code": "always"}
        if t.children:
            out["children"] = [self.node(c) for c in t.children]
        return out

    def rule(self, rt: RuleTrace) -> dict[str, Any]:
        r = rt.rule
        out = {
            "rule": r.id,
            "kind": "guard" if r.is_guard else "rule",
            "action": r.action,
            "forbids": list(r.forbids),
            "title": r.title,
            "text": self.rule_text(r),
            "span": r.span.to_json(),
            "matched": rt.matched,
            "condition": self.node(rt.condition),
        }
        if not rt.applies:  # the action does not apply to this request: the condition was not evaluated
            out["applies"] = False
        return out


__all__ = ["RecordWriter", "SCHEMA_VERSION", "encode", "policy_info", "result_code"]
