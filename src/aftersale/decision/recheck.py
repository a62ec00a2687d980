"""`recheck_at`: the earliest moment after `at` when waiting alone could change a decision.

Time passes without any new event: `escalate requests pending for over 40h`
must fire at hour 40. Only conditions that read the evaluation moment (`at`,
`age(...)`) can change while the event stays the same, and each has
thresholds:

- a comparison or `between` whose operands move with `at` (a duration such as
  `age(request.created_at)`, or a timestamp such as `at - 1h`) changes value
  only where the two sides meet, or one microsecond later (timestamps have
  microsecond resolution): `age(x) > 40h` turns true at x + 40h + 1µs,
  `age(x) >= 40h` at x + 40h;
- a calendar function of such a timestamp (service hours, weekday, weekend,
  day off, holiday, local time or date) changes value only at a local
  midnight, at an opening or closing time of the service hours, or at a time of
  day the policy names (in the policy's zone).

Those moments are the candidates; the decision is taken again at each, in
order, and the first one where the action, rule or forbidding guard differs is
`recheck_at` (None when none does). Between `at` and `recheck_at` nothing that
could matter changes, and at `recheck_at` the decision does.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Callable, Iterable, assert_never
from zoneinfo import ZoneInfo

from .. import rules as ir
from ..values import MISSING, TIME, in_range

#: Functions whose answer depends on the calendar position of their timestamp argument.
CALENDAR_FUNCTIONS = frozenset({"in_service_hours", "outside_service_hours", "is_weekend", "is_holiday",
                                "is_day_off", "weekday", "local_time", "local_date"})
#: How far ahead calendar candidates are looked for: midnights (a year, for the next holiday or weekend),
#: and times within a day (a long holiday break closes service hours for over a week).
MIDNIGHT_DAYS = 400
INTRADAY_DAYS = 16
TICK = timedelta(microseconds=1)
SECOND = timedelta(seconds=1)


def reads_clock(e: ir.Expr) -> bool:
    """Whether an expression's value moves with the evaluation moment."""
    return any((isinstance(n, ir.Field) and n.path == ("at",)) or (isinstance(n, ir.Call) and n.function == "age")
               for n in ir.walk(e))


def _operand_pairs(e: ir.Expr) -> list[tuple[ir.Expr, ir.Expr]]:
    """The pairs of operands a condition compares (where a clock-reading side meets the other)."""
    match e:
        case ir.Compare():
            return [(e.left, e.right)]
        case ir.Between():
            return [(e.subject, e.low), (e.subject, e.high)]
        case ir.InList():
            return [(e.subject, o) for o in e.options]
        case ir.Field() | ir.Literal() | ir.Presence() | ir.And() | ir.Or() | ir.Not() | ir.Arith() | ir.Call() \
                | ir.Quantifier():
            return []
        case _:
            assert_never(e)


class Clocked:
    """The moving parts of one policy: comparisons and calendar calls that read the clock."""

    def __init__(self, policy: ir.Policy):
        self.pairs: list[tuple[ir.Expr, ir.Expr]] = []
        self.calendar_args: list[ir.Expr] = []
        self.times_of_day: set[time] = set()
        for rule in policy.rules:
            for node in ir.walk(rule.when):
                if isinstance(node, ir.Literal) and node.type is TIME:
                    self.times_of_day.add(node.value)
                if isinstance(node, ir.Call) and node.function in CALENDAR_FUNCTIONS \
                        and node.args and reads_clock(node.args[0]):
                    self.calendar_args.append(node.args[0])
                for left, right in _operand_pairs(node):
                    if reads_clock(left) or reads_clock(right):
                        self.pairs.append((left, right))

    def __bool__(self) -> bool:
        return bool(self.pairs or self.calendar_args)


def candidates(clocked: Clocked, at: datetime, evaluate: Callable[[ir.Expr, datetime], Any],
               zone: ZoneInfo, hours) -> list[datetime]:
    """Every moment after `at` at which some clock-reading condition may change value, in order.

    `evaluate(expr, moment)` is an operand's value with the event evaluated at `moment`.
    """
    out: set[datetime] = set()
    probe = at + SECOND
    for left, right in clocked.pairs:
        l0, r0, l1, r1 = evaluate(left, at), evaluate(right, at), evaluate(left, probe), evaluate(right, probe)
        if MISSING in (l0, r0, l1, r1):
            continue
        try:
            gap0, gap1 = l0 - r0, l1 - r1  # how far apart the sides are now, and a second later
            slope = (gap1 - gap0) // SECOND  # -2..2: how the gap moves per second of waiting (whole seconds)
        except TypeError:  # sides that are no times or durations (a count, a number) have no threshold here
            continue
        if not slope:
            continue
        try:
            meet = at - gap0 / slope  # (a slope of 2 may halve a microsecond: look on both sides)
            out.update((meet - TICK, meet, meet + TICK))
        except OverflowError:  # beyond the calendar: never
            continue
    for arg in clocked.calendar_args:
        value = evaluate(arg, at)
        if not isinstance(value, datetime):
            continue
        offset = value - at  # the argument runs with the clock at this distance (slope 1)
        for c in _calendar_moments(value, zone, hours, clocked.times_of_day):
            try:
                out.add(c - offset)
            except OverflowError:  # beyond the calendar: never
                continue
    return sorted(c for c in out if c > at and in_range(c))


def _calendar_moments(start: datetime, zone: ZoneInfo, hours, times_of_day: Iterable[time]) -> set[datetime]:
    """Local midnights, service-hours boundaries and the policy's times of day after `start`."""
    local = start.astimezone(zone)
    day = local.date()
    out: set[datetime] = set()
    boundaries: set[time] = set()
    for t in times_of_day:
        boundaries.add(t)
        moved = (datetime.combine(day, t) + TICK).time()
        boundaries.add(moved)
    if hours is not None:
        for spans in hours.days:
            for s, e in spans:
                boundaries.update((s, e))
    boundaries.discard(time.max)  # 24:00 is the next midnight
    try:  # (the calendar ends in year 9999: no candidates after it)
        for n in range(1, MIDNIGHT_DAYS + 1):
            out.add(datetime.combine(day + timedelta(days=n), time(0), zone))
    except OverflowError:
        pass
    try:
        for n in range(INTRADAY_DAYS + 1):
            d = day + timedelta(days=n)
            for t in boundaries:
                out.add(datetime.combine(d, t, zone))
    except OverflowError:
        pass
    return out


def recheck_at(at: Any, decide_at: Callable[[datetime], tuple], clocked: Clocked,
               evaluate: Callable[[ir.Expr, datetime], Any], zone: ZoneInfo, hours) -> datetime | None:
    """The first candidate moment at which `decide_at(moment)` differs from `decide_at(at)`, or None."""
    if not clocked or not isinstance(at, datetime):
        return None
    now = decide_at(at)
    for moment in candidates(clocked, at, evaluate, zone, hours):
        if decide_at(moment) != now:
            return moment.astimezone(at.tzinfo)
    return None


__all__ = ["Clocked", "recheck_at", "candidates", "reads_clock", "CALENDAR_FUNCTIONS"]
