"""The reference backend: the tree-walking interpreter, behind the backends' protocol."""
from __future__ import annotations

from functools import cached_property
from typing import Any

from .. import rules as ir
from ..evaluator.decision import Decision
from ..evaluator.interpreter import Interpreter
from ..events import Event, parse_event


class InterpretedPolicy:
    def __init__(self, tree: ir.Policy):
        self.tree = tree
        self.interpreter = Interpreter(tree)

    @cached_property
    def writer(self):
        from ..evaluator.record import RecordWriter

        return RecordWriter(self.interpreter)

    def decide(self, event: Any, trace: bool = True) -> Decision:
        parsed = event if isinstance(event, Event) else parse_event(event)
        verdict, traces = self.interpreter.verdict(parsed, trace)
        d = Decision(parsed.id, verdict.action, verdict.rule, verdict.guards, verdict.forbidden_action, traces,
                     parsed.get(("at",)), self.writer)
        d.forbidden_by = verdict.forbidden_by
        d.recheck_at = self.interpreter.recheck_at(parsed, verdict)
        return d
