"""The DSL front end: policy text → rule tree."""
from __future__ import annotations

from pathlib import PurePath

from .. import rules as ir
from ..diagnostics import AftersaleError, Diagnostic, ERROR
from ..limits import MAX_SOURCE_CHARS
from ..locale import msg
from ..source import Source
from .check import check_policy
from .lower import Lowering
from .parser import parse


def compile_dsl(text: str, filename: str = "<string>") -> ir.Policy:
    """Compile DSL text; raises AftersaleError carrying every diagnostic found."""
    policy, diagnostics = lower_dsl(text, filename)
    if policy is None or any(d.severity == ERROR for d in diagnostics):
        raise AftersaleError(diagnostics)
    return policy


def lower_dsl(text: str, filename: str = "<string>") -> tuple[ir.Policy | None, list[Diagnostic]]:
    """The rule tree (None when it cannot be built) and every diagnostic, for lint."""
    source = Source(text, filename)
    if len(text) > MAX_SOURCE_CHARS:
        return None, [Diagnostic("syntax-error", ERROR, msg("error.too_large", limit=MAX_SOURCE_CHARS),
                                 source.span(0, 0), source=source)]
    tree = parse(text, source)
    if isinstance(tree, Diagnostic):
        return None, [tree]
    if not tree.children:  # nothing but blanks and comments (as the YAML front end, an error)
        return None, [Diagnostic("syntax-error", ERROR, msg("lint.empty"), source.span(0, 0),
                                 help=msg("error.dsl_shape_help"), source=source)]
    lowering = Lowering(source)
    policy = lowering.policy(tree, PurePath(filename).stem or "policy")
    return policy, lowering.diagnostics + check_policy(policy, source)
