"""What compiled policies call at run time besides field reads: guarded operators and the clock.

The generated code writes plain Python operators wherever the types are known
to fit (the checker proved them); where they may not, it calls these, which
keep the interpreter's rules: a comparison that cannot be made is false, an
arithmetic that cannot be done is MISSING.

Timestamps near the ends of the calendar (year 1 or 9999) cannot always move
to another zone or take a duration: a timestamp that `+`/`-` moves out of the
years events may hold (limits.MIN_YEAR..MAX_YEAR) is MISSING, here as in the
interpreter, and so is a function of one that leaves the calendar.
"""
from __future__ import annotations

import operator
from datetime import datetime, time

from ..functions import FUNCTIONS, Context
from ..hours import Calendar, is_open
from ..values import MISSING, in_range

_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge, "+": operator.add, "-": operator.sub}


def compare(op: str, a, b) -> bool:
    """`a op b`; False where the values cannot be compared (interpreter.compare)."""
    try:
        return _OPS[op](a, b)
    except TypeError:
        return False


def between(low, a, high) -> bool:
    return compare("<=", low, a) and compare("<=", a, high)


def arith(op: str, a, b):
    """`a + b` or `a - b`; MISSING if either is missing or they do not add up."""
    if a is MISSING or b is MISSING:
        return MISSING
    try:
        out = _OPS[op](a, b)
    except (TypeError, OverflowError):
        return MISSING
    # as the interpreter: a timestamp moved out of the years events may hold is missing (values.in_range)
    return MISSING if isinstance(out, datetime) and not in_range(out) else out


def call(name: str, ctx: Context, *args):
    """A built-in function (arguments already present); MISSING where a date leaves the calendar."""
    try:
        return FUNCTIONS[name].impl(ctx, *args)
    except OverflowError:
        return MISSING


class Clock:
    """`in_service_hours` / `outside_service_hours` for one policy, specialised for its calendar.

    `open` and `outside` are plain closures (one call each, nothing looked up
    on self): compiled code calls them once per condition.
    """

    def __init__(self, tz, hours, calendar: Calendar):
        self.tz, self.hours, self.calendar = tz, hours, calendar
        # Per weekday: (start, end, end is 24:00); time.max stands for 24:00 (hours._inside).
        days = tuple(tuple((s, e, e == time.max) for s, e in day) for day in hours.days) if hours else ()
        plain = calendar.name is None

        def open_(ts):
            """True inside service hours, False outside, MISSING if the timestamp has no local time."""
            try:
                local = ts.astimezone(tz)
            except OverflowError:
                return MISSING
            if not days:
                return False
            if plain:
                t = local.time()
                for start, end, last in days[local.weekday()]:
                    if start <= t and (last or t < end):
                        return True
                return False
            return is_open(hours, calendar, local)

        def outside(ts):
            try:
                local = ts.astimezone(tz)
            except OverflowError:
                return MISSING
            if not days:
                return True
            if plain:
                t = local.time()
                for start, end, last in days[local.weekday()]:
                    if start <= t and (last or t < end):
                        return False
                return True
            return not is_open(hours, calendar, local)

        self.open, self.outside = open_, outside


def namespace() -> dict:
    return {"CMP": compare, "BETWEEN": between, "ARITH": arith, "CALL": call}


__all__ = ["Clock", "compare", "between", "arith", "call", "namespace"]
