"""What the checks know about the world of one policy, besides its rules.

The event schema's fields (which may be missing, what range each number has),
the policy's time zone (every UTC offset it has ever used, and the exact ones
in the years examples are built in), its service hours in seconds of the day,
and its holiday calendar as sets of day numbers. Timestamps are whole seconds
since 1970-01-01 UTC; days are whole days since then; money is in fen.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from .. import rules as ir
from ..events.fields import FIELDS, ITEM_FIELDS
from ..hours import Calendar
from ..schema import event_node as _schema_node, number_bounds  # noqa: F401 - number_bounds: lint reads it here

EPOCH = date(1970, 1, 1)
DAY = 86_400
#: Money in fen: the event schema allows -1e12 .. 1e12 yuan with fen precision.
MONEY_LIMIT = 10**14
#: Whole seconds a timestamp can take (years 1 to 9999, a day inside either end for offsets).
TS_MIN = int((datetime(1, 1, 2, tzinfo=timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds())
TS_MAX = int((datetime(9999, 12, 30, tzinfo=timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds())
SPAN_MAX = TS_MAX - TS_MIN
#: Examples are built in these years around the base event, where the calendar is known exactly.
EXAMPLE_YEARS = (2024, 2028)


def day_number(d: date) -> int:
    return (d - EPOCH).days


def seconds_of(t: time) -> int:
    """Seconds since midnight; 24:00 (time.max) is 86400."""
    if t == time.max:
        return DAY
    return t.hour * 3600 + t.minute * 60 + t.second




@lru_cache(maxsize=None)
def optional(path: tuple[str, ...]) -> bool:
    """Whether a field of the event (or of an item, path starting `item`) can be missing."""
    if path and path[0] == "item":
        info = ITEM_FIELDS.get(".".join(path[1:]))
        return not (info and info.required and len(path) == 2)
    for i in range(1, len(path) + 1):
        info = FIELDS.get(".".join(path[:i]))
        if info is None or not info.required:
            return True
    return False


@lru_cache(maxsize=None)
def max_length(path: tuple[str, ...]) -> int | None:
    item = bool(path) and path[0] == "item"
    return _schema_node(path[1:] if item else path, item).get("maxLength")


def field_values(path: tuple[str, ...]) -> tuple[str, ...]:
    if path and path[0] == "item":
        info = ITEM_FIELDS.get(".".join(path[1:]))
    else:
        info = FIELDS.get(".".join(path))
    return info.values if info else ()


@lru_cache(maxsize=64)
def zone_offsets(zone: str) -> tuple[int, ...]:
    """Every UTC offset (seconds) the zone has used since 1800, sampled every 10 days."""
    tz = ZoneInfo(zone)
    seen = set()
    start = datetime(1800, 1, 1, tzinfo=timezone.utc)
    for i in range(0, 110_000, 10):
        seen.add(int((start + timedelta(days=i)).astimezone(tz).utcoffset().total_seconds()))
    for year in (1, 9999):
        seen.add(int(datetime(year, 6, 1, tzinfo=timezone.utc).astimezone(tz).utcoffset().total_seconds()))
    return tuple(sorted(seen))


@lru_cache(maxsize=64)
def zone_pieces(zone: str, years: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """((from second, offset), ...) exactly, for the years examples are built in."""
    tz = ZoneInfo(zone)
    lo = int(datetime(years[0], 1, 1, tzinfo=timezone.utc).timestamp()) - DAY
    hi = int(datetime(years[1] + 1, 1, 1, tzinfo=timezone.utc).timestamp()) + DAY

    def off(s: int) -> int:
        return int(datetime.fromtimestamp(s, tz).utcoffset().total_seconds())

    pieces = [(lo, off(lo))]
    step = 6 * 3600
    s = lo
    while s < hi:
        nxt = min(s + step, hi)
        if off(nxt) != pieces[-1][1]:
            a, b = s, nxt  # bisect to the second where the offset changes
            while b - a > 1:
                mid = (a + b) // 2
                if off(mid) == pieces[-1][1]:
                    a = mid
                else:
                    b = mid
            pieces.append((b, off(b)))
        s = nxt
    return tuple(pieces)


@lru_cache(maxsize=8)
def calendar_days(name: str | None, years: tuple[int, int]) -> tuple[frozenset, frozenset]:
    """(holiday day numbers, make-up working day numbers) in the years, from the project's calendar."""
    if name is None:
        return frozenset(), frozenset()
    cal = Calendar(name)
    hol, mk = set(), set()
    d = date(years[0], 1, 1)
    end = date(years[1], 12, 31)
    while d <= end:
        if cal.is_holiday(d):
            hol.add(day_number(d))
        elif cal.is_makeup_workday(d):
            mk.add(day_number(d))
        d += timedelta(days=1)
    return frozenset(hol), frozenset(mk)


@dataclass(frozen=True)
class World:
    """One policy's clock and calendar, in the solver's units."""

    zone: str
    hours: tuple[tuple[tuple[int, int], ...], ...] | None  # per weekday, [start, end) seconds
    weekday_hours: tuple[tuple[int, int], ...]
    calendar: str | None

    @classmethod
    def of(cls, policy: ir.Policy) -> "World":
        sh = policy.service_hours
        if sh is None:
            hours, wk = None, ()
        else:
            hours = tuple(tuple((seconds_of(a), seconds_of(b)) for a, b in day) for day in sh.days)
            wk = tuple((seconds_of(a), seconds_of(b)) for a, b in sh.weekday_hours())
        return cls(policy.timezone, hours, wk, policy.holidays)

    @property
    def fixed_offset(self) -> int | None:
        offs = zone_offsets(self.zone)
        return offs[0] if len(offs) == 1 else None

    def open_values(self) -> set[bool]:
        """Which answers `in_service_hours` can give for some moment."""
        out = set()
        if self.hours is not None and any(self.hours):
            out.add(True)
        always = self.hours is not None and all(day == ((0, DAY),) for day in self.hours)
        if not always or self.calendar is not None:
            out.add(False)
        return out
