"""What compiled policies call at run time besides field reads: guarded operators and the clock.

The generated code writes plain Python operators wherever the types are known
to fit (the checker proved them); where they may not, it calls the semantics
module's own operators (`namespace`): a comparison that cannot be made is
unknown, an arithmetic that cannot be done is MISSING.

Timestamps near the ends of the calendar (year 1 or 9999) cannot always move
to another zone or take a duration: a timestamp that `+`/`-` moves out of the
years events may hold (limits.MIN_YEAR..MAX_YEAR) is MISSING, here as in the
interpreter, and so is a function of one that leaves the calendar.
"""
from __future__ import annotations

from .. import semantics as sem
from ..hours import Calendar, day_hours, inside
from ..values import MISSING


class Clock:
    """`in_service_hours` / `outside_service_hours` for one policy: `hours.is_open` (the one definition)
    at the timestamp's local time in the policy's zone.

    `open` and `outside` are plain closures (one call each, nothing looked up
    on self): compiled code calls them once per condition. The hours of each
    local day (`hours.day_hours`: holidays and make-up days looked up) are kept
    per day, a bounded number of days.
    """

    #: Local days whose hours are kept (a day's hours never change; the memo is emptied when full).
    DAYS_KEPT = 4096

    def __init__(self, tz, hours, calendar: Calendar):
        self.tz, self.hours, self.calendar = tz, hours, calendar
        days: dict = {}
        kept = self.DAYS_KEPT

        def open_(ts):
            """True inside service hours, False outside, MISSING if the timestamp has no local time."""
            try:
                local = ts.astimezone(tz)
            except OverflowError:
                return MISSING
            day = local.date()
            spans = days.get(day)
            if spans is None:
                if len(days) >= kept:
                    days.clear()
                spans = days[day] = day_hours(hours, calendar, day)
            return inside(spans, local)

        def outside(ts):
            inside_ = open_(ts)
            return inside_ if inside_ is MISSING else not inside_

        self.open, self.outside = open_, outside


def namespace() -> dict:
    """What generated code calls for operators whose Python form may not give the answer: semantics's own."""
    return {"CMP": sem.compare, "BETWEEN": sem.between, "MEMBER": sem.member, "ARITH": sem.arith,
            "CALL": sem.call}


__all__ = ["Clock", "namespace"]
