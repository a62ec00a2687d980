"""Decision records: the stable JSON shape of a decision (schema/decision.json).

A record is self-contained: every condition carries its source text, position,
formatted values, fact and need, so it renders again after the policy changed.
"""
from __future__ import annotations

import hashlib
from typing import Any

from .. import rules as ir
from ..values import format_value, to_json_value
from .phrases import Phrasing, type_of
from .trace import RuleTrace, TraceNode

NODE_KINDS = {ir.And: "and", ir.Or: "or", ir.Not: "not", ir.Compare: "compare", ir.Between: "between",
              ir.InList: "in", ir.Presence: "presence", ir.Call: "call", ir.Quantifier: "quantifier"}


def policy_info(policy: ir.Policy) -> dict[str, Any]:
    text = policy.source.text if policy.source is not None else ""
    hours = policy.service_hours
    return {
        "name": policy.name,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "file": policy.source.name if policy.source is not None else None,
        "timezone": policy.timezone,
        "service_hours": hours.describe() if hours is not None else None,
        "holidays": policy.holidays,
        "otherwise": policy.otherwise,
    }


class RecordWriter:
    def __init__(self, interpreter):
        self.policy: ir.Policy = interpreter.policy
        self.phrasing = Phrasing(interpreter)
        self.tz = interpreter.tz

    def text(self, node: ir.Node) -> str:
        src = self.policy.source
        if src is None or node.span.end <= node.span.start:
            from ..fmt import expr_text

            return expr_text(node) if isinstance(node, ir.Expr) else ""
        return " ".join(src.text_of(node.span).split())

    def node(self, t: TraceNode) -> dict[str, Any]:
        e = t.expr
        kind = NODE_KINDS.get(type(e), "value")
        if isinstance(e, ir.And) and not e.operands:
            kind = "always"
        out: dict[str, Any] = {
            "node": kind,
            "text": self.text(e),
            "span": e.span.to_json(),
            "result": None if t.skipped else bool(t.result),
            "skipped": t.skipped,
        }
        if t.values:
            out["values"] = [{"text": self.text(x), "value": format_value(v, type_of(x), self.tz),
                              "raw": to_json_value(v), "type": str(type_of(x))} for x, v in t.values]
        if t.missing:
            out["missing"] = list(t.missing)
        if not t.skipped and kind not in ("and", "or", "not", "always"):
            fact, need = self.phrasing.phrases(e, t.values, bool(t.result), t.missing)
            out["fact"] = fact
            if need and not t.result:
                out["need"] = need
        if t.children:
            out["children"] = [self.node(c) for c in t.children]
        return out

    def rule(self, rt: RuleTrace) -> dict[str, Any]:
        r = rt.rule
        return {
            "rule": r.id,
            "kind": "guard" if r.is_guard else "rule",
            "action": r.action,
            "forbids": list(r.forbids),
            "title": r.title,
            "text": self.text(r),
            "span": r.span.to_json(),
            "matched": rt.matched,
            "condition": self.node(rt.condition),
        }


__all__ = ["RecordWriter", "policy_info", "format_value"]
