"""The service-hours family: `missing-service-hours`.

`during off-hours` and `during service hours` (the functions
`outside_service_hours` and `in_service_hours`) judge a timestamp against the
policy's service hours. A policy with none is closed all the time: every
request counts as off-hours, and no request is ever inside service hours.
"""
from __future__ import annotations

from typing import Iterator

from .. import rules as ir
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
        effect = ("every request counts as off-hours, so this condition always holds"
                  if call.function == "outside_service_hours"
                  else "no request is ever inside service hours, so this rule never matches")
        yield ctx.finding(
            "missing-service-hours",
            f"`{ctx.text(call)}` needs service hours, but the policy sets none: {effect}",
            call.span, rule=rule.id,
            help="set them in the header: `service hours mon-fri 09:00-18:00` (DSL) or "
                 "`service_hours: {mon-fri: \"09:00-18:00\"}` (YAML)")
