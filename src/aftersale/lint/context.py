"""What every check receives (one policy), and what it gives back (findings).

A check yields `Finding`s: a diagnostic without its final severity, plus, for
findings about overlap, shadowing or satisfiability, a function that builds
the example request. Examples are built after findings are filtered, sorted
and capped, and a finding that needs an example is dropped if no example can
be shown to the evaluator's satisfaction.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable

from .. import rules as ir
from ..diagnostics import Diagnostic
from ..locale import Msg, msg
from ..source import NO_SPAN, Source, Span
from .event_paths import get_path


@dataclass
class Finding:
    diagnostic: Diagnostic
    example: Callable[[], dict | None] | None = None
    example_fields: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.diagnostic.name

    @property
    def span(self) -> Span:
        return self.diagnostic.span

    def materialize(self) -> Diagnostic | None:
        """The diagnostic with its example (None when its example cannot be shown)."""
        if self.example is None:
            return self.diagnostic
        event = self.example()
        if event is None:
            return None
        note = msg("lint.example", fields=summarize(event, self.example_fields))
        return replace(self.diagnostic, example=event, notes=(*(self.diagnostic.notes_text or self.diagnostic.notes), note))


def summarize(event: dict, paths) -> str:
    """`request.kind=return_refund, request.amount=129.00, ...`: the example's fields that matter."""
    shown = []
    for dotted in paths:
        node = get_path(event, tuple(dotted.split(".")))
        if dotted == "order.items" and isinstance(node, list):
            shown.append(f"order.items={json.dumps(node, ensure_ascii=False)}")
            continue
        shown.append(f"{dotted}={'missing' if node is None else json.dumps(node, ensure_ascii=False)}")
    return ", ".join(shown)


class Context:
    """One lowered policy, with the analysis the checks share built on first use."""

    def __init__(self, tree: ir.Policy, source: Source | None, path: str, solver_budget: int | None = None):
        self.tree = tree
        self.source = source
        self.path = path
        self.solver_budget = solver_budget  # solver resource units for the analysis (None: the default)

    @cached_property
    def analysis(self):
        from .analysis import Analysis
        from .smt import Budget

        an = Analysis(self.tree, Budget(self.solver_budget))
        an.run()
        return an

    @cached_property
    def builder(self):
        from .examples import Builder

        return Builder(self.tree, self.analysis.world, self.analysis.terms)

    @cached_property
    def without_hours(self) -> set[str]:
        """Ids of rules that use service hours in a policy that sets none."""
        from .service_hours import hour_calls

        if self.tree.service_hours is not None:
            return set()
        return {r.id for r in self.tree.rules if hour_calls(r)}

    def checked(self):
        """(rule, its facts) for the rules the analysis covers (the first of each id), but for those
        judged by `missing-service-hours`, in file order."""
        facts = self.analysis.facts
        for rule in self.tree.rules:
            rf = facts.get(rule.id)
            if rule.id not in self.without_hours and rf is not None and rf.rule is rule:
                yield rule, rf

    def rule_span(self, rule: ir.Rule) -> Span:
        """Where findings about a whole rule point: its id (the line a comment can silence)."""
        for span in (rule.id_span, rule.span):
            if span is not None and span is not NO_SPAN and span.line > 0:
                return span
        return Span(self.path, 1, 1, 1, 1)

    def line_of(self, rule_id: str) -> int:
        rule = self.tree.rule(rule_id)
        return self.rule_span(rule).line if rule else 0

    def text(self, node: ir.Node) -> str:
        """The source text of a node, on one line."""
        if self.source is not None and node.span.line > 0:
            return " ".join(self.source.text_of(node.span).split())
        from ..syntax.fmt import expr_text  # pragma: no cover - nodes from the front ends have spans

        return expr_text(node)

    def finding(self, name: str, message: Msg, span: Span, *, rule: str | None = None, help: Msg | None = None,
                related: tuple[str, ...] = (), example=None, fields: tuple[str, ...] = ()) -> Finding:
        from ..diagnostics import WARNING

        diag = Diagnostic(name, WARNING, message, span, rule=rule, help=help, source=self.source,
                          related=tuple(related))
        return Finding(diag, example, tuple(fields))

    def example(self, box, expect: Callable, **options) -> Callable[[], dict | None]:
        """Builds, when called, an example request in the box for which `expect(decision, event)` holds
        (`Builder.build`)."""
        return lambda: self.builder.build(box, expect, **options)

    def holds(self, cond: ir.Expr, event: dict) -> bool:
        """Whether a condition is true for an event (the interpreter's own three-valued semantics)."""
        from ..backends.interpreter import Scope, holds
        from ..events import parse_event

        parsed = parse_event(event)
        return holds(cond, Scope(parsed, self.interpreter.context(parsed))) is True

    def matches(self, rule: ir.Rule, event: dict) -> bool:
        """Whether a rule acts on an event: its condition is true and its action applies to the request's kind
        and status (`semantics.applies`; closed requests: none does)."""
        from ..semantics import applies

        request = event.get("request", {})
        return applies(rule.action, request.get("kind"), request.get("status")) and self.holds(rule.when, event)

    @cached_property
    def interpreter(self):
        from ..backends.interpreter import Interpreter

        return Interpreter(self.tree)


def fields_of(boxes) -> tuple[str, ...]:
    """The event fields a region's terms read, in a stable order."""
    seen: list[str] = []
    for box in boxes:
        for term in box:
            for v in sorted(term.vars):
                if v not in seen:
                    seen.append(v)
    return tuple(seen)


__all__ = ["Context", "Finding", "fields_of", "summarize"]
