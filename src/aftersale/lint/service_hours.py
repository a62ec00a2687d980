"""The service-hours family: `missing-service-hours`.

`during off-hours` and `during service hours` (the functions
`outside_service_hours` and `in_service_hours`) judge a timestamp against the
policy's service hours. A policy with none is closed all the time: every
request counts as off-hours, and no request is ever inside service hours.
"""
from __future__ import annotations

from typing import Iterator

from .. import rules as ir
from ..locale import msg
from .context import Context, Finding

HOUR_FUNCTIONS = ("in_service_hours", "outside_service_hours")


def hour_calls(rule: ir.Rule) -> list[ir.Call]:
    return [n for n in ir.walk(rule.when) if isinstance(n, ir.Call) and n.function in HOUR_FUNCTIONS]


def missing_service_hours(ctx: Context) -> Iterator[Finding]:
    if ctx.tree.service_hours is not None:
        return
    for rule in ctx.tree.rules:
        calls = hour_calls(rule)
        if not calls:
            continue
        call = calls[0]
        effect = msg("lint.hours.always" if call.function == "outside_service_hours" else "lint.hours.never")
        yield ctx.finding(
            "missing-service-hours", msg("lint.hours.message", text=ctx.text(call), effect=effect),
            call.span, rule=rule.id, help=msg("lint.hours.help"))
