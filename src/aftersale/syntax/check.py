"""Checks every front end runs on the rule tree: types and enum values.

Lowering already reports unknown fields, actions and functions; this pass
reports what needs the tree: comparing money with a duration, an enum value a
field never takes, a condition that is not true or false.
"""
from __future__ import annotations

from typing import assert_never

from .. import rules as ir
from ..diagnostics import Diagnostic, ERROR, did_you_mean, did_you_mean_msg
from ..locale import Msg, msg
from ..events.fields import FIELDS, ITEM_FIELDS
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
            match node:
                case ir.And() | ir.Or():
                    for op in node.operands:
                        self.condition_shallow(op)
                case ir.Not():
                    self.condition_shallow(node.operand)
                case ir.Compare():
                    self.compare(node.op, node.left, [node.right], node)
                case ir.Between():
                    self.compare("between", node.subject, [node.low, node.high], node)
                case ir.InList():
                    self.compare("==", node.subject, list(node.options), node)
                case ir.Call():
                    self.call(node)
                case ir.Quantifier() if node.condition is not None:
                    self.condition_shallow(node.condition)
                case ir.Quantifier() | ir.Field() | ir.Literal() | ir.Presence() | ir.Arith():
                    pass  # their parts are checked below; their own types by condition_shallow / static_type
                case _:
                    assert_never(node)
            stack.extend(node.children())

    def condition_shallow(self, expr: ir.Expr) -> None:
        t = static_type(expr)
        if isinstance(expr, ir.Literal) and expr.type is ENUM:
            hint = did_you_mean(str(expr.value), FIELDS)
            self.error("unknown-field", msg("error.not_a_condition", word=str(expr.value)), expr.span,
                       help=did_you_mean_msg(hint) if hint else None)
        elif t not in (BOOL, ANY):
            self.error("type-mismatch", msg("error.condition_type", type=_a(t)), expr.span,
                       help=msg("error.condition_type_help"))

    def compare(self, op: str, subject: ir.Expr, others: list[ir.Expr], node: ir.Expr) -> None:
        listed = next((x for x in [subject, *others] if static_type(x) is Type.LIST), None)
        if listed is not None:  # `item.tags == "x"`: a list is not one value
            value = next((x for x in [subject, *others] if x is not listed), None)
            shown = subject_text(value) if value is not None else '"x"'
            self.error("type-mismatch", msg("error.list_field_compared", field=subject_text(listed)), node.span,
                       help=msg("error.list_field_compared_help", value=shown, field=subject_text(listed)))
            return
        st = static_type(subject)
        values = _enum_values(subject)
        mismatched: set[Type] = set()
        if op not in ("==", "!=") and st not in ORDERED and st is not ANY:
            self.error("type-mismatch", msg("error.not_ordered", op=op, type=_a(st)), node.span,
                       help=msg("error.not_ordered_help"))
            return
        for other in others:
            ot = static_type(other)
            if isinstance(other, ir.Literal) and other.type is ENUM:
                if values is not None and other.value not in values:
                    hint = did_you_mean(str(other.value), values)
                    self.error("unknown-value", msg("error.never_value", subject=subject_text(subject),
                                                    value=str(other.value)), other.span,
                               help=did_you_mean_msg(hint) if hint else msg("error.values", values=", ".join(values)))
                    continue
                if st in (ENUM, TEXT, ANY):
                    continue
                hint = did_you_mean(str(other.value), FIELDS)
                self.error("unknown-field" if hint else "type-mismatch",
                           msg("error.not_field_or_value", word=str(other.value), type=_a(st)), other.span,
                           help=did_you_mean_msg(hint) if hint else None)
                continue
            if ANY in (st, ot) or st == ot or frozenset({st, ot}) in COMPATIBLE or ot in mismatched:
                continue
            mismatched.add(ot)  # once per type: a list of 30,000 numbers is one mistake, not 30,000
            self.error("type-mismatch", msg("error.cannot_compare", left=_a(st), right=_a(ot)), node.span,
                       help=msg("error.cannot_compare_help", left=subject_text(subject), left_type=_a(st),
                                right=subject_text(other), right_type=_a(ot)))

    def call(self, node: ir.Call) -> None:
        fn = FUNCTIONS.get(node.function)
        if fn is None or len(fn.params) != len(node.args):
            return  # reported by lowering
        for i, (param, arg) in enumerate(zip(fn.params, node.args)):
            at = static_type(arg)
            if node.function == "contains" and i == 0 and at is Type.LIST:
                continue  # `contains(item.tags, "x")`: the list holds the value (`"x" in item.tags`)
            if at not in (param, ANY) and not (param is TEXT and at is ENUM):
                self.error("type-mismatch", msg("error.argument_type", name=node.function, want=_a(param),
                                                got=_a(at)), arg.span, help=msg(f"function.{node.function}"))


def subject_text(expr: ir.Expr) -> str:
    match expr:
        case ir.Field():
            return expr.dotted
        case ir.Literal():
            return expr.text or str(expr.value)
        case ir.Call():
            return f"{expr.function}(…)"
        case ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.And() | ir.Or() | ir.Not() | ir.Arith() \
                | ir.Quantifier():
            return type(expr).__name__.lower()
        case _:
            assert_never(expr)


def _a(t: Type) -> Msg | str:
    """A type in people's words: `money`, `a duration` / `金额`, `时长`."""
    names = {MONEY: "money", NUMBER: "number", Type.DURATION: "duration", Type.TIMESTAMP: "timestamp",
             Type.TIME: "time", Type.DATE: "date", ENUM: "enum", BOOL: "bool", TEXT: "text", Type.LIST: "list",
             ANY: "any"}
    return msg(f"error.type.{names[t]}") if t in names else str(t)


def check_policy(policy: ir.Policy, source: Source | None) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for rule in policy.rules:
        checker = Checker(source, rule.id)
        checker.condition(rule.when)
        out.extend(checker.diagnostics)
    return out
