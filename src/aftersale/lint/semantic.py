"""The semantic family: `unsatisfiable-rule`, `action-never-applies`, `shadowed-rule`, `redundant-condition`,
`conflicting-rules`, `undecided-rule`.

All are exact (see `analysis.py`), under version 2's meaning (`semantics.py`):
a rule matches where its condition is true and its action applies; a guard
forbids where its condition is not false. "No request can ..." is proved for
every schema-valid request, and every overlap comes with an example request
that the interpreter decides as the finding says.
"""
from __future__ import annotations

from typing import Iterator

from .. import rules as ir
from .. import semantics as sem
from .analysis import Region, RuleFacts
from .boxes import TooComplex
from .context import Context, Finding, fields_of
from .terms import Unsupported


def _and(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# -- unsatisfiable-rule -------------------------------------------------------------

def unsatisfiable_rule(ctx: Context) -> Iterator[Finding]:
    for rule, rf in ctx.checked():
        if rf.satisfiable is not False:
            continue
        parts = list(rule.when.operands) if isinstance(rule.when, ir.And) and rule.when.operands else [rule.when]
        core = None if rule.is_guard else _core(ctx, parts)
        kind = "guard" if rule.is_guard else "rule"
        if rule.is_guard:
            message = f"guard `{rule.id}` can never forbid anything: its condition is false for every open request"
        elif core is None or not core:
            message = f"{kind} `{rule.id}` can never match: no request satisfies its condition"
        elif len(core) == 1:
            message = f"{kind} `{rule.id}` can never match: `{ctx.text(parts[core[0]])}` never holds"
        else:
            message = (f"{kind} `{rule.id}` can never match: " + _and([ctx.text(parts[i]) for i in core])
                       + " cannot all hold at once")
        help_ = "the solver proved that no request, of any kind, satisfies these conditions; fix or remove one"
        if any(isinstance(n, ir.Call) and n.function == "is_holiday" for n in ir.walk(rule.when)) \
                and ctx.tree.holidays is None:
            help_ = "the policy has no holiday calendar, so no day is a holiday: add `holidays cn`"
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

#: How the request states an action applies to read in a message.
STATUS_WORDS = {"pending_merchant": "pending", "awaiting_return": "awaiting return",
                "return_in_transit": "in transit", "returned": "returned"}


def applies_to(action: str) -> str:
    """`approve_return` → "pending requests": the statuses an action applies to, in words."""
    statuses = sorted({st for _, st in sem.applicable_states(action)}, key=list(STATUS_WORDS).index)
    if set(statuses) == sem.OPEN_STATUSES:
        return "open requests"
    words = [STATUS_WORDS[st] for st in statuses]
    return (words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]) + " requests"


def _states(action: str) -> str:
    pairs = sorted(sem.applicable_states(action), key=lambda p: (p[1], p[0] or ""))
    return ", ".join(f"`{st}`" if k is sem.ANY_KIND else f"`{k}` in `{st}`" for k, st in pairs)


def action_never_applies(ctx: Context) -> Iterator[Finding]:
    for rule, rf in ctx.checked():
        if rule.is_guard or rf.satisfiable is not True or rf.applies is not False:
            continue
        yield ctx.finding(
            "action-never-applies",
            f"rule `{rule.id}` can never act: its conditions exclude every request `{rule.action}` applies to",
            ctx.rule_span(rule), rule=rule.id,
            help=f"`{rule.action}` applies only to {_states(rule.action)}; change the rule's action or its "
                 "conditions on `request.kind` and `request.status`")


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
        message = (f"rule `{rule.id}` can never decide: `{by[0]}` (line {ctx.line_of(by[0])}) comes first "
                   "and matches every request this rule matches")
        help_ = f"move `{rule.id}` above `{by[0]}`, narrow `{by[0]}`, or remove `{rule.id}`"
    else:
        message = (f"rule `{rule.id}` can never decide: the earlier rules {_and(by)} together match every "
                   "request this rule matches")
        help_ = f"move `{rule.id}` above them, narrow them, or remove `{rule.id}`"
    boxes = ctx.analysis.real(rf.boxes) if rf.boxes is not None else []
    box = boxes[0] if boxes else None
    example = ctx.example(box, lambda d, e: d.rule in by and ctx.matches(rule, e),
                          extra=None if box is not None else (lambda enc: ctx.analysis.match_formula(enc, rule)),
                          exprs=[rule.when])
    return ctx.finding("shadowed-rule", message, ctx.rule_span(rule), rule=rule.id, help=help_, related=tuple(by),
                       example=example, fields=fields_of(boxes[:1]) or ("request.kind",))


def _forbidden(ctx: Context, rule: ir.Rule, rf: RuleFacts) -> Finding:
    guards = rf.forbidden_by
    which = f"guard `{guards[0]}`" if len(guards) == 1 else f"guards {_and(guards)}"
    message = (f"rule `{rule.id}` can never `{rule.action}`: {which} forbid{'s' if len(guards) == 1 else ''} it "
               "for every request that reaches this rule, so it always ends in manual review")
    box = ctx.analysis.find(rf.reach)
    example = ctx.example(box, lambda d, e: d.rule == rule.id and d.action == "manual_review"
                          and any(g in d.guards for g in guards))
    return ctx.finding("shadowed-rule", message, ctx.rule_span(rule), rule=rule.id,
                       help="narrow the guard, or give the rule an action the guard allows", related=tuple(guards),
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
        message = (f"rule `{rule.id}` (`{rule.action}`) overlaps the earlier rule `{a.id}` (`{a.action}`, "
                   f"line {ctx.line_of(a.id)}): where both match, `{a.id}` decides")
        if others:
            shown = _and(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            message += f"; it also overlaps {shown}"
        yield ctx.finding(
            "conflicting-rules", message, ctx.rule_span(rule), rule=rule.id, related=(a.id, *others),
            help=f"if `{rule.id}` should win for such requests, move it above `{a.id}`",
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
    if isinstance(expr, (ir.And, ir.Or)):
        ops = tuple(_replace(x, target, new) for x in expr.operands)
        if any(a is not b for a, b in zip(ops, expr.operands)):
            return type(expr)(ops, span=expr.span)
        return expr
    if isinstance(expr, ir.Not):
        inner = _replace(expr.operand, target, new)
        return expr if inner is expr.operand else ir.Not(inner, span=expr.span)
    return expr


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
            message = f"`{text}` is redundant: {rule.action} already applies only to {applies_to(rule.action)}"
        elif isinstance(parent, ir.And):
            message = f"`{text}` is redundant: the rest of rule `{rule.id}` already implies it"
        else:
            message = f"`{text}` adds nothing: the other alternatives of this `or` already cover it"
        help_ = f"remove it; rule `{rule.id}` matches exactly the same requests without it"
        if restates:
            help_ += f" (`{rule.action}` applies only to {_states(rule.action)}; a sentence needs no `while pending`)"
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
                "undecided-rule", f"lint could not decide everything about rule `{rule.id}` within its solver "
                "budget: a finding about it may be missing", ctx.rule_span(rule), rule=rule.id,
                help="the budget is counted in solver work, not time, so this is the same on every run; "
                     "split the rule or simplify its arithmetic to have it checked fully")
