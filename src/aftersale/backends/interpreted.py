"""The reference backend: the tree-walking interpreter, behind the backends' protocol."""
from __future__ import annotations

from typing import Any

from .. import rules as ir
from ..decision.decision import Decision, Origin, Outcome
from .interpreter import Interpreter
from ..events import Event, parse_event


def decide_parsed(interpreter: Interpreter, parsed: Event, trace: bool, origin: Origin) -> Decision:
    """The interpreter's decision for a parsed event, with its recheck time (the reference)."""
    verdict, traces = interpreter.verdict(parsed, trace)
    return Decision.make(Outcome.of(verdict, origin), parsed.id, parsed.get(("at",)), verdict.guards,
                         interpreter.recheck_at(parsed, verdict), traces)


class InterpretedPolicy:
    def __init__(self, tree: ir.Policy):
        self.tree = tree
        self.interpreter = Interpreter(tree)
        self.origin = Origin(tree)

    def __reduce__(self):
        return InterpretedPolicy, (self.tree,)

    def decide(self, event: Any, trace: bool = True) -> Decision:
        parsed = event if isinstance(event, Event) else parse_event(event)
        return decide_parsed(self.interpreter, parsed, trace, self.origin)
