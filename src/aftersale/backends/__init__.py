"""Everything that decides, behind one protocol.

A backend prepares a policy's rule tree once; the prepared policy decides
events (a dict in the contract's format, or a parsed `Event`) with or without
a trace, and every backend gives the same decision for every event
(tests/conformance runs one table on each):

    prepared = BACKENDS["interpreter"](tree)
    decision = prepared.decide(event, trace=False)
    decision.action, decision.rule, decision.forbidden_by, decision.recheck_at
"""
from __future__ import annotations

import importlib.util
from typing import Any, Callable, Protocol

from .. import rules as ir


class Prepared(Protocol):
    def decide(self, event: Any, trace: bool = True) -> Any: ...


Backend = Callable[[ir.Policy], Prepared]


def _interpreter(tree: ir.Policy) -> Prepared:
    from .interpreted import InterpretedPolicy

    return InterpretedPolicy(tree)


def _compiled(tree: ir.Policy) -> Prepared:
    from .compiled import CompiledPolicy

    return CompiledPolicy(tree)


def _duckdb(tree: ir.Policy) -> Prepared:
    from .sql.run_duckdb import DuckDBPolicy

    return DuckDBPolicy(tree)


BACKENDS: dict[str, Backend] = {
    "interpreter": _interpreter,
    "compiled": _compiled,
}
# The SQL backends run where their engines are installed (the `duckdb` and `spark` extras); finding the
# package is enough (importing duckdb costs ~45 ms of every command's start).
if importlib.util.find_spec("duckdb") is not None:
    BACKENDS["duckdb"] = _duckdb

__all__ = ["BACKENDS", "Backend", "Prepared"]
