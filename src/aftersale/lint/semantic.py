"""The semantic family: `unsatisfiable-rule`, `shadowed-rule`, `redundant-condition`, `conflicting-rules`,
`undecided-rule`.

All four are exact (see `analysis.py`): "no request can ..." is proved for every
schema-valid request, and every overlap comes with an example request that the
evaluator decides as the finding says.
"""
from __future__ import annotations

from typing import Iterator

from .. import rules as ir
from ..locale import and_list, msg
from .analysis import Region, RuleFacts
from .boxes import TooComplex
from .context import Context, Finding, fields_of
from .terms import Unsupported


def _and(names: list[str]):
    return and_list(f"`{n}`" for n in names)


# -- unsatisfiable-rule -------------------------------------------------------------

def unsatisfiable_rule(ctx: Context) -> Iterator[Finding]:
    for rule, rf in ctx.checked():
        if rf.satisfiable is not False:
            continue
        parts = list(rule.when.operands) if isinstance(rule.when, ir.And) and rule.when.operands else [rule.when]
        core = _core(ctx, parts)
        kind = msg("lint.kind.guard" if rule.is_guard else "lint.kind.rule")
        if core is None or not core:
            message = msg("lint.unsatisfiable.any", kind=kind, rule=rule.id)
        elif len(core) == 1:
            message = msg("lint.unsatisfiable.one", kind=kind, rule=rule.id, text=ctx.text(parts[core[0]]))
        else:
            message = msg("lint.unsatisfiable.many", kind=kind, rule=rule.id,
                          texts=_and([ctx.text(parts[i]) for i in core]))
        help_ = msg("lint.unsatisfiable.help")
        if any(isinstance(n, ir.Call) and n.function == "is_holiday" for n in ir.walk(rule.when)) \
                and ctx.tree.holidays is None:
            help_ = msg("lint.unsatisfiable.help_holidays")
        yield ctx.finding("unsatisfiable-rule", message, ctx.rule_span(rule), rule=rule.id, help=help_)


def _core(ctx: Context, parts: list[ir.Expr]) -> list[int] | None:
    an = ctx.analysis
    slots, _ = an.slots_for(parts)
    try:
        enc = an.encoder(slots)
        return enc.unsat_core([enc.cond(p) for p in parts])
    except Exception:  # noqa: BLE001 - a core is only for the message
        return None


# -- shadowed-rule ----------------------------------------------------------------------

def shadowed_rule(ctx: Context) -> Iterator[Finding]:
    for rule, rf in ctx.checked():
        if rule.is_guard or rf.satisfiable is not True:
            continue
        if rf.shadow_proved and rf.shadowed_by:
            yield _shadowed(ctx, rule, rf)
        elif rf.always_forbidden:
            yield _forbidden(ctx, rule, rf)


def _shadowed(ctx: Context, rule: ir.Rule, rf: RuleFacts) -> Finding:
    by = rf.shadowed_by
    if len(by) == 1:
        message = msg("lint.shadowed.one", rule=rule.id, by=by[0], line=str(ctx.line_of(by[0])))
        help_ = msg("lint.shadowed.help_one", rule=rule.id, by=by[0])
    else:
        message = msg("lint.shadowed.many", rule=rule.id, by=_and(by))
        help_ = msg("lint.shadowed.help_many", rule=rule.id)
    boxes = ctx.analysis.real(rf.boxes) if rf.boxes is not None else []
    box = boxes[0] if boxes else None
    example = ctx.example(box, lambda d, e: d.rule in by and ctx.matches(rule, e),
                          extra=None if box is not None else (lambda enc: enc.cond(rule.when)), exprs=[rule.when])
    return ctx.finding("shadowed-rule", message, ctx.rule_span(rule), rule=rule.id, help=help_, related=tuple(by),
                       example=example, fields=fields_of(boxes[:1]) or ("request.kind",))


def _forbidden(ctx: Context, rule: ir.Rule, rf: RuleFacts) -> Finding:
    guards = rf.forbidden_by
    which = msg("lint.forbidden.guard_one" if len(guards) == 1 else "lint.forbidden.guard_many", ids=_and(guards))
    message = msg("lint.forbidden.message", rule=rule.id, action=rule.action, which=which)
    box = ctx.analysis.find(rf.reach)
    example = ctx.example(box, lambda d, e: d.rule == rule.id and d.action == "manual_review"
                          and any(g in d.guards for g in guards))
    return ctx.finding("shadowed-rule", message, ctx.rule_span(rule), rule=rule.id,
                       help=msg("lint.forbidden.help"), related=tuple(guards),
                       example=example if box else None, fields=fields_of([box] if box else []))


# -- conflicting-rules ----------------------------------------------------------------

def conflicting_rules(ctx: Context) -> Iterator[Finding]:
    """One finding per rule: the first earlier rule with another action that decides some of its
    requests, with an example; other earlier rules with other actions that overlap it are named."""
    for rule, rf in ctx.checked():
        if rule.is_guard or rf.satisfiable is not True or rf.shadow_proved or not rf.conflicts:
            continue
        first, box = rf.conflicts[0]
        a = ctx.tree.rule(first)
        others = [other for other, _ in rf.conflicts[1:]]
        message = msg("lint.conflicting.message", rule=rule.id, action=rule.action, first=a.id,
                      first_action=a.action, line=str(ctx.line_of(a.id)))
        if others:
            shown = _and(others) if len(others) <= 5 else msg(
                "lint.conflicting.more", names=tuple(f"`{n}`" for n in others[:5]), more=len(others) - 5)
            message = msg("lint.conflicting.also", message=message, others=shown)
        yield ctx.finding(
            "conflicting-rules", message, ctx.rule_span(rule), rule=rule.id, related=(a.id, *others),
            help=msg("lint.conflicting.help", rule=rule.id, first=a.id),
            example=ctx.example(box, lambda d, e, a=a, b=rule: d.rule == a.id and ctx.matches(b, e)),
            fields=fields_of([box]))


# -- redundant-condition ----------------------------------------------------------------

#: Rules with more condition nodes than this are checked on their top-level `and`/`or` only.
MAX_NODES = 120


def redundant_condition(ctx: Context) -> Iterator[Finding]:
    for rule, rf in ctx.checked():
        if rf.satisfiable is not True or rf.boxes is None:
            continue
        yield from _redundant(ctx, rule)


def _operands(when: ir.Expr) -> list[tuple[ir.Expr, ir.Expr]]:
    """(parent, operand) for every operand of an `and`/`or`: outer ones first, then the last in the source
    first, so the largest redundant part is reported, and of two equal parts the later one."""
    out = []
    stack = [(when, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if isinstance(node, (ir.And, ir.Or)) and len(node.operands) > 1:
            out.extend((depth, node, op) for op in node.operands)
        if count < MAX_NODES or depth == 0:
            stack.extend((child, depth + 1) for child in node.children())
    out.sort(key=lambda dpo: (dpo[0], -dpo[2].span.start, -dpo[2].span.end))
    return [(p, o) for _, p, o in out]


def _replace(expr: ir.Expr, target: ir.Expr, new: ir.Expr) -> ir.Expr:
    if expr is target:
        return new
    if isinstance(expr, (ir.And, ir.Or)):
        ops = tuple(_replace(x, target, new) for x in expr.operands)
        if any(a is not b for a, b in zip(ops, expr.operands)):
            return type(expr)(ops, span=expr.span)
        return expr
    if isinstance(expr, ir.Not):
        inner = _replace(expr.operand, target, new)
        return expr if inner is expr.operand else ir.Not(inner, span=expr.span)
    return expr


def _redundant(ctx: Context, rule: ir.Rule) -> Iterator[Finding]:
    an = ctx.analysis
    working = rule.when
    current = an.boxes_of(working)
    if current is None:
        return
    for parent, operand in _operands(rule.when):
        neutral = ir.And(()) if isinstance(parent, ir.And) else ir.Or(())
        candidate = _replace(working, operand, neutral)
        if candidate is working:
            continue
        boxes = an.boxes_of(candidate)
        if boxes is None:
            continue
        try:
            same = an.find(Region(boxes, [current])) is None and an.find(Region(current, [boxes])) is None
        except (TooComplex, Unsupported):
            continue
        if not same:
            continue
        working, current = candidate, boxes
        text = ctx.text(operand)
        if isinstance(parent, ir.And):
            message = msg("lint.redundant.and", text=text, rule=rule.id)
        else:
            message = msg("lint.redundant.or", text=text)
        yield ctx.finding("redundant-condition", message, operand.span, rule=rule.id,
                          help=msg("lint.redundant.help", rule=rule.id))


# -- undecided-rule --------------------------------------------------------------------

def undecided_rule(ctx: Context) -> Iterator[Finding]:
    """Rules whose analysis ran out of solver units or search steps: what lint could not decide."""
    undecided = set(ctx.analysis.undecided)
    for rule, _rf in ctx.checked():
        if rule.id in undecided:
            yield ctx.finding(
                "undecided-rule", msg("lint.undecided.message", rule=rule.id), ctx.rule_span(rule), rule=rule.id,
                help=msg("lint.undecided.help"))
