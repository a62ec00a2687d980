"""The compiled policy users hold: `aftersale.load(...)` / `aftersale.compile(...)` return one."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from . import rules as ir
from .diagnostics import AftersaleError, ERROR
from .events import Event
from .decision.decision import Decision
from .backends.interpreter import Interpreter
from .limits import MAX_SOURCE_CHARS
from .files import read_text  # noqa: F401 - kept importable here; it lives in files.py so that syntax (list files) reads alike

FORMATS = ("dsl", "yaml")


def format_for(path: str | Path) -> str:
    """The front end for a file name: .yaml/.yml are YAML, everything else DSL."""
    return "yaml" if str(path).lower().endswith((".yaml", ".yml")) else "dsl"


def lower(text: str, format: str = "dsl", filename: str = "<string>"):
    """(rule tree or None, diagnostics) for policy text in either format."""
    if format == "yaml":
        from .syntax.yaml_front import lower_yaml

        with gc_paused():
            return lower_yaml(text, filename)
    if format == "dsl":
        from .syntax.dsl import lower_dsl

        with gc_paused():
            return lower_dsl(text, filename)
    raise ValueError(f"unknown policy format {format!r}; use one of {FORMATS}")


@contextmanager
def gc_paused():
    """No cyclic garbage collection inside: the front ends make a parse tree and a rule tree of up to
    millions of objects, all alive until they finish, which Python's collector would otherwise walk
    again and again as they grow (a third of the time of a 1 MB policy). Nested uses are harmless."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Policy:
    """A compiled policy: its rule tree and an evaluator for it."""

    def __init__(self, tree: ir.Policy):
        self.tree = tree

    def __reduce__(self):
        return Policy, (self.tree,)  # pickles (and deep-copies) as its rule tree: the code is made again

    @property
    def name(self) -> str:
        return self.tree.name

    @property
    def rules(self) -> tuple[ir.Rule, ...]:
        return self.tree.rules

    @cached_property
    def _interpreter(self) -> Interpreter:
        return Interpreter(self.tree)

    @cached_property
    def _writer(self):
        from .decision.record import RecordWriter

        return RecordWriter(self._interpreter)

    @cached_property
    def _compiled(self):
        """The compiled backend (backends/compiled.py), which decides every event."""
        from .backends.compiled import CompiledPolicy

        return CompiledPolicy(self.tree, lambda: self._writer, interpreter=lambda: self._interpreter)

    def decide(self, event: dict | Event | bytes | str, trace: bool = True) -> Decision:
        """Decide one event: a dict in the contract's format, an Event from `parse_event`, or the event's
        JSON text (bytes or str: decoded and validated whole, in C, by `aftersale.events.decode`).

        Both paths run the policy's compiled code (backends/compiled.py):
        trace=False the fast one (same action, rule and guards, no trace);
        trace=True records the trace as it goes and builds it when
        `decision.trace` or `to_json()` is first read. A big policy (over 64 rules)
        decides its first few parsed Events with the interpreter, the same decisions,
        before generating its code (backends/compiled.py WARM_UP_EVENTS).

        A dict is read only as far as the decision needs: each field a condition
        reads is checked against the event schema and typed, once, when it is
        read, and where such a field is absent its object is checked for
        misspelt keys. A value that breaks the schema raises AftersaleError with
        the diagnostics `parse_event` gives for the whole event; nothing else is
        raised for bad input. Every decision reads the event's `id` and `at`
        (kept, typed, in the immutable Decision) and the request's kind and
        status (where actions apply); fields no evaluated condition reads are
        not looked at. Pass `parse_event(obj)` (as `aftersale eval` does) to
        have the whole event validated before it is decided.
        """
        compiled = self._compiled
        if trace:  # (without compiling the fast path, which `aftersale eval` of one event never needs)
            return compiled.decide_traced(event)
        if compiled.warm_up and compiled.warming(event):  # a big policy's first parsed events: no code yet
            return compiled.interpret_warm(event, False)
        entry = compiled.entry
        self.decide = entry  # later calls go straight to the generated code (one Python call less)
        return entry(event, False)

    def __repr__(self) -> str:
        return f"<Policy {self.name!r}: {len(self.rules)} rules>"


def compile(text: str, format: str = "dsl", filename: str = "<string>") -> Policy:  # noqa: A001
    """Compile policy text; raises AftersaleError with every problem found."""
    tree, diagnostics = lower(text, format, filename)
    if tree is None or any(d.severity == ERROR for d in diagnostics):
        raise AftersaleError(diagnostics)
    return Policy(tree)


def load(path: str | Path) -> Policy:
    """Load a policy file: `.policy` (DSL) or `.yaml`/`.yml`."""
    return compile(read_text(path, max_bytes=4 * MAX_SOURCE_CHARS), format_for(path), str(path))


__all__ = ["Policy", "compile", "load", "lower", "format_for", "read_text", "Any"]
