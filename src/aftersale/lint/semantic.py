"""The semantic family: `unsatisfiable-rule`, `action-never-applies`, `shadowed-rule`, `redundant-condition`,
`conflicting-rules`, `undecided-rule`.

All are exact (see `analysis.py`), under version 2's meaning (`semantics.py`):
a rule matches where its condition is true and its action applies; a guard
forbids where its condition is not false. "No request can ..." is proved for
every schema-valid request, and every overlap comes with an example request
that the interpreter decides as the finding says.
"""
from __future__ import annotations

from typing import Iterator, assert_never

from .. import rules as ir
from ..locale import and_list, msg
from .. import semantics as sem
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
        core = None if rule.is_guard else _core(ctx, parts)
        kind = msg("lint.kind.guard" if rule.is_guard else "lint.kind.rule")
        if rule.is_guard:
            message = msg("lint.unsatisfiable.guard", rule=rule.id)
        elif core is None or not core:
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

# -- action-never-applies ---------------------------------------------------------------

def applies_to(action: str):
    """`approve_return` → "pending requests": the statuses an action applies to, in words (a message)."""
    statuses = sorted({st for _, st in sem.applicable_states(action)}, key=sem.OPEN_STATUS_ORDER.index)
    if set(statuses) == sem.OPEN_STATUSES:
        return msg("lint.applies.open")
    return msg("lint.applies.statuses", statuses=and_list(msg(f"lint.applies.status.{st}") for st in statuses))


def _states(action: str) -> str:
    pairs = sorted(sem.applicable_states(action), key=lambda p: (p[1], p[0] or ""))
    return ", ".join(f"`{st}`" if k is sem.ANY_KIND else f"`{k}` in `{st}`" for k, st in pairs)


def action_never_applies(ctx: Context) -> Iterator[Finding]:
    for rule, rf in ctx.checked():
        if rule.is_guard or rf.satisfiable is not True or rf.applies is not False:
            continue
        yield ctx.finding(
            "action-never-applies", msg("lint.never_applies.message", rule=rule.id, action=rule.action),
            ctx.rule_span(rule), rule=rule.id,
            help=msg("lint.never_applies.help", action=rule.action, states=_states(rule.action)))


# -- shadowed-rule ----------------------------------------------------------------------

def shadowed_rule(ctx: Context) -> Iterator[Finding]:
    for rule, rf in ctx.checked():
        if rule.is_guard or rf.satisfiable is not True or rf.applies is not True:
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
                          extra=None if box is not None else (lambda enc: ctx.analysis.match_formula(enc, rule)),
                          exprs=[rule.when])
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
        if rule.is_guard or rf.applies is not True or rf.shadow_proved or not rf.conflicts:
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
        if rf.satisfiable is not True or rf.boxes is None or (not rule.is_guard and rf.applies is not True):
            continue
        yield from _redundant(ctx, rule, rf)


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
    match expr:
        case ir.And() | ir.Or():
            ops = tuple(_replace(x, target, new) for x in expr.operands)
            if any(a is not b for a, b in zip(ops, expr.operands)):
                return type(expr)(ops, span=expr.span)
            return expr
        case ir.Not():
            inner = _replace(expr.operand, target, new)
            return expr if inner is expr.operand else ir.Not(inner, span=expr.span)
        case ir.Compare() | ir.Between() | ir.InList() | ir.Presence() | ir.Field() | ir.Literal() | ir.Arith() \
                | ir.Call() | ir.Quantifier():
            return expr  # the operands of and/or/not are what a redundant condition is taken out of
        case _:
            assert_never(expr)


def _redundant(ctx: Context, rule: ir.Rule, rf: RuleFacts) -> Iterator[Finding]:
    """A condition is redundant when removing it leaves where the rule acts unchanged: where it matches (a
    rule), or where its condition is false (a guard: it forbids everywhere else)."""
    an = ctx.analysis
    working = rule.when
    current = rf.boxes
    where = None if rule.is_guard else an.applicable(rule.action)
    for parent, operand in _operands(rule.when):
        neutral = ir.And(()) if isinstance(parent, ir.And) else ir.Or(())
        candidate = _replace(working, operand, neutral)
        if candidate is working:
            continue
        boxes = an.matching(rule, candidate)
        if boxes is None:
            continue
        if not _same(an, boxes, current):
            continue
        if where is not None and _only_kind(operand) and not _same(an, an.boxes_of(candidate), an.boxes_of(working)):
            continue  # `request.kind == return_refund` on an express refund says what the platform offers: kept
        working, current = candidate, boxes
        text = ctx.text(operand)
        restates = where is not None and isinstance(parent, ir.And) and _implied(an, where, operand)
        if restates:
            message = msg("lint.redundant.applies", text=text, action=rule.action,
                          statuses=applies_to(rule.action))
            help_ = msg("lint.redundant.help_applies", rule=rule.id, action=rule.action, states=_states(rule.action))
        else:
            message = msg("lint.redundant.and" if isinstance(parent, ir.And) else "lint.redundant.or", text=text,
                          rule=rule.id)
            help_ = msg("lint.redundant.help", rule=rule.id)
        yield ctx.finding("redundant-condition", message, operand.span, rule=rule.id, help=help_)


def _same(an, a: list | None, b: list | None) -> bool:
    """Whether two unions of boxes hold exactly the same events (proved)."""
    if a is None or b is None:
        return False
    try:
        return an.find(Region(a, [b])) is None and an.find(Region(b, [a])) is None
    except (TooComplex, Unsupported):
        return False


def _only_kind(cond: ir.Expr) -> bool:
    fields = {n.path for n in ir.walk(cond) if isinstance(n, ir.Field)}
    return fields == {("request", "kind")}


def _implied(an, where: list, operand: ir.Expr) -> bool:
    """Whether a condition holds wherever an action applies (it only restates applicability)."""
    true = an.boxes_of(operand)
    return true is not None and an.find(Region(where, [true])) is None


# -- undecided-rule --------------------------------------------------------------------

def undecided_rule(ctx: Context) -> Iterator[Finding]:
    """Rules whose analysis ran out of solver units or search steps: what lint could not decide."""
    undecided = set(ctx.analysis.undecided)
    for rule, _rf in ctx.checked():
        if rule.id in undecided:
            yield ctx.finding(
                "undecided-rule", msg("lint.undecided.message", rule=rule.id), ctx.rule_span(rule), rule=rule.id,
                help=msg("lint.undecided.help"))
