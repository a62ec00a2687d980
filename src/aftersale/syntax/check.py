"""Checks every front end runs on the rule tree: types and enum values.

Lowering already reports unknown fields, actions and functions; this pass
reports what needs the tree: comparing money with a duration, an enum value a
field never takes, a condition that is not true or false.
"""
from __future__ import annotations

from .. import rules as ir
from ..diagnostics import Diagnostic, ERROR, did_you_mean
from ..fields import FIELDS, ITEM_FIELDS
from ..functions import FUNCTIONS
from ..source import Source
from ..values import ANY, BOOL, ENUM, MONEY, NUMBER, TEXT, WEEKDAYS, Type
from .lower import static_type

ORDERED = {MONEY, NUMBER, Type.DURATION, Type.TIMESTAMP, Type.TIME, Type.DATE}
COMPATIBLE = {frozenset({MONEY, NUMBER}), frozenset({ENUM, TEXT})}


def _enum_values(expr: ir.Expr) -> tuple[str, ...] | None:
    """The values an enum-typed expression can take, where known."""
    if isinstance(expr, ir.Field) and expr.type is ENUM:
        info = ITEM_FIELDS.get(".".join(expr.path[1:])) if expr.path[0] == "item" else FIELDS.get(expr.dotted)
        return info.values if info else None
    if isinstance(expr, ir.Call) and expr.function == "weekday":
        return WEEKDAYS
    return None


class Checker:
    def __init__(self, source: Source | None, rule: str | None = None):
        self.source = source
        self.rule = rule
        self.diagnostics: list[Diagnostic] = []

    def error(self, name, message, span, help=None):
        self.diagnostics.append(Diagnostic(name, ERROR, message, span, rule=self.rule, help=help,
                                           source=self.source))

    def condition(self, expr: ir.Expr) -> None:
        """`expr` is used as a condition: it must be true or false, and so must its parts."""
        self.condition_shallow(expr)
        self.expr(expr)

    def expr(self, expr: ir.Expr) -> None:
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, (ir.And, ir.Or)):
                for op in node.operands:
                    self.condition_shallow(op)
            elif isinstance(node, ir.Not):
                self.condition_shallow(node.operand)
            elif isinstance(node, ir.Compare):
                self.compare(node.op, node.left, [node.right], node)
            elif isinstance(node, ir.Between):
                self.compare("between", node.subject, [node.low, node.high], node)
            elif isinstance(node, ir.InList):
                self.compare("==", node.subject, list(node.options), node)
            elif isinstance(node, ir.Call):
                self.call(node)
            elif isinstance(node, ir.Quantifier) and node.condition is not None:
                self.condition_shallow(node.condition)
            stack.extend(node.children())

    def condition_shallow(self, expr: ir.Expr) -> None:
        t = static_type(expr)
        if isinstance(expr, ir.Literal) and expr.type is ENUM:
            hint = did_you_mean(str(expr.value), FIELDS)
            self.error("unknown-field", f"`{expr.value}` is neither a field nor a condition", expr.span,
                       help=f"did you mean `{hint}`?" if hint else None)
        elif t not in (BOOL, ANY):
            self.error("type-mismatch", f"a condition must be true or false, but this is {_a(t)}", expr.span,
                       help="compare it with something, e.g. `request.amount < ¥300`")

    def compare(self, op: str, subject: ir.Expr, others: list[ir.Expr], node: ir.Expr) -> None:
        st = static_type(subject)
        values = _enum_values(subject)
        if op not in ("==", "!=") and st not in ORDERED and st is not ANY:
            self.error("type-mismatch", f"`{op}` does not order {_a(st)}", node.span,
                       help="use `==`, `!=` or `in` for enums, text and true/false")
            return
        for other in others:
            ot = static_type(other)
            if isinstance(other, ir.Literal) and other.type is ENUM:
                if values is not None and other.value not in values:
                    hint = did_you_mean(str(other.value), values)
                    self.error("unknown-value", f"`{subject_text(subject)}` is never `{other.value}`", other.span,
                               help=f"did you mean `{hint}`?" if hint else "values: " + ", ".join(values))
                    continue
                if st in (ENUM, TEXT, ANY):
                    continue
                hint = did_you_mean(str(other.value), FIELDS)
                self.error("unknown-field" if hint else "type-mismatch",
                           f"`{other.value}` is not a field or a value of {_a(st)}", other.span,
                           help=f"did you mean `{hint}`?" if hint else None)
                continue
            if ANY in (st, ot) or st == ot or frozenset({st, ot}) in COMPATIBLE:
                continue
            self.error("type-mismatch", f"cannot compare {_a(st)} with {_a(ot)}", node.span,
                       help=f"`{subject_text(subject)}` is {_a(st)}; `{subject_text(other)}` is {_a(ot)}")

    def call(self, node: ir.Call) -> None:
        fn = FUNCTIONS.get(node.function)
        if fn is None or len(fn.params) != len(node.args):
            return  # reported by lowering
        for param, arg in zip(fn.params, node.args):
            at = static_type(arg)
            if at not in (param, ANY) and not (param is TEXT and at is ENUM):
                self.error("type-mismatch", f"`{node.function}` expects {_a(param)}, not {_a(at)}", arg.span,
                           help=fn.doc)


def subject_text(expr: ir.Expr) -> str:
    if isinstance(expr, ir.Field):
        return expr.dotted
    if isinstance(expr, ir.Literal):
        return expr.text or str(expr.value)
    if isinstance(expr, ir.Call):
        return f"{expr.function}(…)"
    return type(expr).__name__.lower()


def _a(t: Type) -> str:
    names = {MONEY: "money", NUMBER: "a number", Type.DURATION: "a duration", Type.TIMESTAMP: "a timestamp",
             Type.TIME: "a time of day", Type.DATE: "a date", ENUM: "an enum value", BOOL: "true/false",
             TEXT: "text", Type.LIST: "a list", ANY: "a value"}
    return names.get(t, str(t))


def check_policy(policy: ir.Policy, source: Source | None) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for rule in policy.rules:
        checker = Checker(source, rule.id)
        checker.condition(rule.when)
        out.extend(checker.diagnostics)
    return out
