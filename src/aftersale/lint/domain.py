"""The domain family: the policy against the platforms' own rules (`platforms.py`).

- `platform-cap-exceeded`: a rule grants an action (express refund, extending
  receipt) for requests where the platform never performs it;
- `after-platform-deadline`: a rule only ever decides requests that the
  platform's own timer has already settled;
- `risky-auto-reject`: a rule (or `otherwise`) auto-rejects 7-day no-reason
  requests;
- `uncapped-auto-refund`: a rule (or `otherwise`) approves refunds of any amount.

Each works on the events a rule actually decides with its own action (after
the earlier rules and the guards), and shows one with an example request.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from .. import rules as ir
from ..source import Source
from ..values import format_duration
from .context import Context, Finding, fields_of
from ..locale import msg
from .platforms import ACTIONS, PLATFORM_NAMES, REJECT_ADVICE, TIMERS, platforms_for
from .world import MONEY_LIMIT


@lru_cache(maxsize=None)
def condition(text: str) -> ir.Expr:
    """A condition of the policy language, parsed by the project's own front end."""
    from ..syntax.lower import Lowering

    lw = Lowering(Source(text, "<platform facts>"))
    expr = lw.expression_text(text, 0)
    if expr is None or lw.diagnostics:  # pragma: no cover - the facts are tested
        raise ValueError(f"bad platform fact `{text}`: {lw.diagnostics}")
    return expr


def _platform(p: str) -> ir.Expr:
    return condition(f"platform == {p}")


def _deciders(ctx: Context, actions: tuple[str, ...]):
    """(rule or None for `otherwise`, the events it decides with its action, span) for rules with one of the actions."""
    an = ctx.analysis
    for rule in ctx.tree.deciding_rules:
        if rule.action in actions and rule.id not in ctx.without_hours:
            region = an.decided_with_action(rule.id)
            if region is not None:
                yield rule, region, ctx.rule_span(rule)
    if ctx.tree.otherwise in actions:
        region = an.fallthrough()
        if region is not None:
            span = ctx.tree.spans.get("otherwise") or ctx.tree.span
            yield None, region, span


def _who(rule: ir.Rule | None):
    return msg("lint.who.rule", rule=rule.id) if rule is not None else msg("lint.who.otherwise")


def _decided_by(rule: ir.Rule | None, action: str):
    rid = rule.id if rule is not None else None
    return lambda d: d.rule == rid and d.action == action


# -- platform-cap-exceeded ------------------------------------------------------------

def platform_cap_exceeded(ctx: Context) -> Iterator[Finding]:
    an = ctx.analysis
    for facts in ACTIONS:
        if facts.platform not in platforms_for(ctx.tree.platform):
            continue
        for rule, region, span in _deciders(ctx, (facts.action,)):
            region = an.within(region, _platform(facts.platform))
            unmet = []
            for req in facts.requirements:
                bad = an.find(an.outside(region, condition(req.condition))) if region is not None else None
                if bad:
                    unmet.append((req, bad))
            if not unmet:
                continue
            name, what = msg(PLATFORM_NAMES[facts.platform]), msg(facts.what)
            req, bad = unmet[0]
            whens = [msg("lint.cap.when", unmet=msg(r.unmet)) for r, _ in unmet]
            message = msg("lint.cap.message", who=_who(rule), what=what, platform=name,
                          whens=msg("lint.cap.whens", first=whens[0], rest=tuple(whens[1:])) if len(whens) > 1
                          else whens[0])
            help_ = msg("lint.cap.help", platform=name, what=what,
                        conditions=tuple(f"`{r.condition}`" for r in facts.requirements), rule=msg(facts.rule))
            decided = _decided_by(rule, facts.action)
            cond = condition(req.condition)
            yield ctx.finding(
                "platform-cap-exceeded", message, span, rule=rule.id if rule else None, help=help_,
                example=ctx.example(bad, lambda d, e, c=cond, ok=decided: ok(d) and not _holds(ctx, c, e)),
                fields=fields_of([bad]))


def _holds(ctx: Context, cond: ir.Expr, event: dict) -> bool:
    return ctx.holds(cond, event)


# -- after-platform-deadline -------------------------------------------------------------

def after_platform_deadline(ctx: Context) -> Iterator[Finding]:
    an = ctx.analysis
    platforms = platforms_for(ctx.tree.platform)
    for rule, rf in ctx.checked():
        if rf.reach is None or rf.shadow_proved:  # a guard has no reach
            continue
        for timer in TIMERS:
            if timer.platform not in platforms:
                continue
            statuses = ", ".join(timer.statuses)
            waiting = an.within(rf.reach, condition(f"platform == {timer.platform} and request.status in "
                                                    f"[{statuses}]"))
            witness = an.find(waiting) if waiting is not None else None
            if not witness:
                continue
            limit = _dur(timer.limit)
            in_time = an.within(waiting, condition(f"{timer.start} is missing or age({timer.start}) < {limit}"))
            if in_time is None or an.find(in_time) is not None:
                continue
            name = msg(PLATFORM_NAMES[timer.platform])
            message = msg("lint.deadline.message", rule=rule.id, statuses=statuses, limit=_dur(timer.limit),
                          start=timer.start, platform=name, outcome=msg(timer.outcome))
            help_ = msg("lint.deadline.help", platform=name, limit=_dur(timer.limit), step=msg(timer.step),
                        rule=msg(timer.rule), start=timer.start, earlier=_earlier(timer.limit))
            late = condition(f"age({timer.start}) >= {limit}")
            yield ctx.finding(
                "after-platform-deadline", message, ctx.rule_span(rule), rule=rule.id, help=help_,
                example=ctx.example(witness, lambda d, e, r=rule, c=late: d.rule == r.id and _holds(ctx, c, e)),
                fields=fields_of([witness]))


def _dur(limit) -> str:
    """48h rather than 2d for timers counted in hours."""
    hours = int(limit.total_seconds() // 3600)
    return f"{hours}h" if hours <= 72 else format_duration(limit)


def _earlier(limit) -> str:
    hours = int(limit.total_seconds() // 3600)
    return f"{max(1, hours - 8)}h" if hours <= 48 else f"{max(1, hours // 24 - 2)}d"


# -- risky-auto-reject -----------------------------------------------------------------

def risky_auto_reject(ctx: Context) -> Iterator[Finding]:
    an = ctx.analysis
    no_reason = condition("request.reason == no_reason_7d")
    for rule, region, span in _deciders(ctx, ("reject",)):
        risky = an.find(an.within(region, no_reason))
        if not risky:
            continue
        decided = _decided_by(rule, "reject")
        yield ctx.finding(
            "risky-auto-reject", msg("lint.reject.message", who=_who(rule)), span,
            rule=rule.id if rule else None,
            help=msg("lint.reject.help", advice=msg(REJECT_ADVICE)),
            example=ctx.example(risky, lambda d, e, ok=decided: ok(d) and _holds(ctx, no_reason, e)),
            fields=fields_of([risky]))


# -- uncapped-auto-refund ---------------------------------------------------------------

def uncapped_auto_refund(ctx: Context) -> Iterator[Finding]:
    an = ctx.analysis
    top = f"¥{MONEY_LIMIT // 100}"
    unlimited = condition(f"request.amount >= {top} and order.paid_amount >= {top}")
    big = condition("request.amount >= ¥100000 and order.paid_amount >= ¥100000")
    actions = ("approve_refund",)
    if not any(f.action == "express_refund" and f.platform in platforms_for(ctx.tree.platform) for f in ACTIONS):
        actions += ("express_refund",)
    for rule, region, span in _deciders(ctx, actions):
        top_box = an.find(an.within(region, unlimited))
        if not top_box:
            continue
        piece = an.find(an.within(region, big)) or top_box
        action = rule.action if rule is not None else ctx.tree.otherwise
        decided = _decided_by(rule, action)
        yield ctx.finding(
            "uncapped-auto-refund", msg("lint.uncapped.message", who=_who(rule)), span,
            rule=rule.id if rule else None,
            help=msg("lint.uncapped.help"),
            example=ctx.example(piece, lambda d, e, ok=decided: ok(d)), fields=fields_of([piece]))
