"""The built-in functions of the expression language: one table, read by the
front ends (names, arity, types), the evaluator (implementations) and the docs.

Time functions judge a timestamp in the policy's time zone; `age` measures to
the event's `at`. `any`, `all` and `count` over items are quantifiers, not
functions (see rules.Quantifier).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from .values import BOOL, DATE, DURATION, ENUM, NUMBER, TEXT, TIME, TIMESTAMP, WEEKDAYS, Type


class Context:
    """What a function may read besides its arguments: the policy's clock and calendar."""

    __slots__ = ("tz", "hours", "calendar", "at")

    def __init__(self, tz, hours, calendar, at: datetime | None):
        self.tz, self.hours, self.calendar, self.at = tz, hours, calendar, at

    def local(self, ts: datetime) -> datetime:
        return ts.astimezone(self.tz)


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[Type, ...]
    returns: Type
    impl: Callable[..., Any]
    doc: str


def _in_hours(ctx: Context, ts: datetime) -> bool:
    from .hours import is_open

    return is_open(ctx.hours, ctx.calendar, ctx.local(ts))


def _is_weekend(ctx: Context, ts: datetime) -> bool:
    return ctx.local(ts).weekday() >= 5


def _is_holiday(ctx: Context, ts: datetime) -> bool:
    return ctx.calendar.is_holiday(ctx.local(ts).date())


def _is_day_off(ctx: Context, ts: datetime) -> bool:
    return ctx.calendar.is_day_off(ctx.local(ts).date())


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    Function("age", (TIMESTAMP,), DURATION, lambda ctx, ts: ctx.at - ts,
             "time from a timestamp to the event's `at`: `age(request.created_at) > 40h`"),
    Function("in_service_hours", (TIMESTAMP,), BOOL, _in_hours,
             "the timestamp falls inside the policy's service hours (holidays off, make-up days on)"),
    Function("outside_service_hours", (TIMESTAMP,), BOOL, lambda ctx, ts: not _in_hours(ctx, ts),
             "the timestamp falls outside the policy's service hours"),
    Function("is_weekend", (TIMESTAMP,), BOOL, _is_weekend,
             "Saturday or Sunday in the policy's time zone"),
    Function("is_holiday", (TIMESTAMP,), BOOL, _is_holiday,
             "a public holiday of the policy's holiday calendar"),
    Function("is_day_off", (TIMESTAMP,), BOOL, _is_day_off,
             "a day off: Saturday, Sunday or a public holiday, except a make-up working day (调休)"),
    Function("weekday", (TIMESTAMP,), ENUM, lambda ctx, ts: WEEKDAYS[ctx.local(ts).weekday()],
             "the day of the week, `mon` to `sun`: `weekday(request.created_at) in [sat, sun]`"),
    Function("local_time", (TIMESTAMP,), TIME, lambda ctx, ts: ctx.local(ts).time().replace(tzinfo=None),
             "the time of day in the policy's zone: `local_time(request.created_at) >= 22:00`"),
    Function("local_date", (TIMESTAMP,), DATE, lambda ctx, ts: ctx.local(ts).date(),
             "the calendar date in the policy's zone: `local_date(at) == 2026-11-11`"),
    Function("contains", (TEXT, TEXT), BOOL, lambda ctx, s, sub: sub in s,
             "text contains a piece: `contains(request.tracking.number, \"SF\")`"),
    Function("starts_with", (TEXT, TEXT), BOOL, lambda ctx, s, p: s.startswith(p),
             "text starts with a prefix"),
    Function("ends_with", (TEXT, TEXT), BOOL, lambda ctx, s, p: s.endswith(p),
             "text ends with a suffix"),
    Function("lower", (TEXT,), TEXT, lambda ctx, s: s.lower(), "text in lower case"),
    Function("length", (TEXT,), NUMBER, lambda ctx, s: len(s), "number of characters of a text"),
)}

QUANTIFIERS = {
    "any": "some item of the list satisfies the condition: `any(order.items, item.category == food)`",
    "all": "every item satisfies the condition (true for no items)",
    "count": "how many items satisfy the condition, or how many there are: `count(order.items) > 1`",
}
