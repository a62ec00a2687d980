"""Service hours (`mon-fri 09:00-18:00, sat 10:00-16:00`) and holiday calendars: is the shop open?"""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from datetime import timedelta, date, datetime, time

from .locale import msg
from .values import WEEKDAY_NAMES, WEEKDAYS, format_time, parse_time

Interval = tuple[time, time]
Hours = tuple[Interval, ...]
DAY_NAMES = {n: i % 7 for i, n in enumerate(WEEKDAYS + tuple(n.lower() for n in WEEKDAY_NAMES))}
CALENDARS = ("cn",)
_DASH = r"\-–"  # escaped: inside [] a bare "-–" would be a character range
# A token: `sat` or two atoms joined by a dash (`mon-fri`, `09:00 - 18:00`); `sat,sun` lists days.
_TOKEN = re.compile(rf"([^\s,{_DASH}]+)(?:\s*[{_DASH}]\s*([^\s,{_DASH}]+))?|[{_DASH}]")


class HoursError(ValueError):
    """A bad service-hours spec; `start`/`end` are offsets into the spec text."""

    def __init__(self, message, start: int = 0, end: int = 0):
        super().__init__(message)
        #: `problem` is the message (a Msg, rendered at the edge); `message` its English text
        self.problem, self.message, self.start, self.end = message, str(message), start, end


def _is_time(m: re.Match) -> bool:
    return m.group(1)[:1].isdigit()


def _days(m: re.Match) -> list[int]:
    """The weekdays of a day token: `sat`, `mon-fri`, `fri-mon` or `daily`."""
    atoms = [(k, m.group(k).lower()) for k in (1, 2) if m.group(k)]
    if "daily" in (a for _, a in atoms):
        if len(atoms) == 1:
            return list(range(7))
        raise HoursError(msg("hours.daily_range", text=m.group()), m.start(), m.end())
    for k, atom in atoms:
        if atom not in DAY_NAMES:
            near = [WEEKDAYS[DAY_NAMES[n]] if n in DAY_NAMES else n  # suggest the short form
                    for n in difflib.get_close_matches(atom, [*DAY_NAMES, "daily"], n=1)]
            hint = msg("error.did_you_mean", hint=near[0]) if near else msg("hours.days")
            raise HoursError(msg("hours.unknown_day", day=m.group(k), hint=hint), m.start(k), m.end(k))
    a, b = DAY_NAMES[atoms[0][1]], DAY_NAMES[atoms[-1][1]]
    return [(a + i) % 7 for i in range((b - a) % 7 + 1)]  # `fri-mon` wraps the week


def _interval(m: re.Match) -> Interval:
    try:  # one time syntax for the whole language: values.parse_time
        start, end = parse_time(m.group(1)), parse_time(m.group(2))
    except ValueError as e:
        bad = 1 if f"`{m.group(1)}`" in str(e) else 2
        raise HoursError(e.args[0], m.start(bad), m.end(bad)) from None
    if start == time.max:
        raise HoursError(msg("hours.start_at", time=m.group(1)), m.start(1), m.end(1))
    if end <= start:
        raise HoursError(msg("hours.backwards", text=m.group()), m.start(), m.end())
    return start, end


def _parse(spec: str) -> tuple[Hours, ...]:
    """The one parser: groups of day tokens, each followed by one or more ranges."""
    found = list(_TOKEN.finditer(spec))
    if not found:
        raise HoursError(msg("hours.empty"), 0, len(spec))
    days: list[list[Interval]] = [[] for _ in range(7)]
    group, group_start = [], 0  # the current day group and where it starts in `spec`
    for i, m in enumerate(found):
        text, span = m.group(), (m.start(), m.end())
        if m.group(1) is None:
            raise HoursError(msg("hours.unexpected", text=text), *span)
        if _is_time(m) != (m.group(2) or "x")[:1].isdigit():  # `09:00` alone or `mon-18:00`
            raise HoursError(msg("hours.expected", text=text), *span)
        if not _is_time(m):
            if not group or _is_time(found[i - 1]):
                group, group_start = [], m.start()  # days after hours start a new group
            group += _days(m)
            continue
        if not group:
            raise HoursError(msg("hours.no_days", text=text), *span)
        new = _interval(m)
        for d in group:
            for old in days[d]:
                if new[0] < old[1] and old[0] < new[1]:
                    raise HoursError(msg("hours.overlap", day=WEEKDAYS[d], new=_fmt((new,)), old=_fmt((old,))),
                                     group_start, m.end())
            days[d].append(new)
    if not _is_time(found[-1]):
        text = spec[group_start:found[-1].end()]
        raise HoursError(msg("hours.no_hours", text=text), group_start, found[-1].end())
    for day in days:  # 09:00-12:00 12:00-18:00 is 09:00-18:00, so equal hours compare equal
        day.sort()
        for i in range(len(day) - 1, 0, -1):  # backwards, so a merge never shifts what is left to check
            if day[i][0] == day[i - 1][1]:
                day[i - 1:i + 1] = [(day[i - 1][0], day[i][1])]
    return tuple(map(tuple, days))


def _fmt(hours: Hours, dash: str = "-", sep: str = " ") -> str:
    return sep.join(f"{format_time(a)}{dash}{format_time(b)}" for a, b in hours)


def _groups(days: tuple[Hours, ...], dash: str) -> list[tuple[str, Hours]]:
    """Labelled runs of consecutive days (Mon..Sun) with the same non-empty hours."""
    runs: list[list] = []
    for d, hours in enumerate(days):
        if runs and runs[-1][1] == d - 1 and runs[-1][2] == hours:
            runs[-1][1] = d
        elif hours:
            runs.append([d, d, hours])
    if len(runs) == 1 and runs[0][:2] == [0, 6]:
        return [("daily", runs[0][2])]
    return [(WEEKDAYS[a] if a == b else f"{WEEKDAYS[a]}{dash}{WEEKDAYS[b]}", h) for a, b, h in runs]


def inside(hours: Hours, local: datetime | time) -> bool:
    """Whether a local time (or a local datetime's time) falls within one day's hours."""
    t = local.time() if isinstance(local, datetime) else local
    # time.max stands for 24:00, so the day's very last instant is still inside.
    for start, end in hours:
        if start <= t and (t < end or end == time.max):
            return True
    return False


@dataclass(frozen=True)
class ServiceHours:
    """Opening hours per weekday (index 0 = Monday), half-open `[start, end)`.

    >>> ServiceHours.parse("sat,sun 10:00-16:00, mon-fri 09:00-12:00 13:30-18:00").to_dsl()
    'mon-fri 09:00-12:00 13:30-18:00, sat-sun 10:00-16:00'
    >>> ServiceHours.parse("daily 08:00-24:00").to_mapping()
    {'daily': '08:00-24:00'}
    """

    days: tuple[Hours, ...]

    @classmethod
    def parse(cls, spec: str) -> ServiceHours:
        """Parse `mon-fri 09:00-18:00, sat 10:00-16:00`; errors carry offsets into `spec`."""
        return cls(_parse(spec))

    @classmethod
    def from_mapping(cls, mapping: dict) -> ServiceHours:
        """The YAML form, `{"mon-fri": "09:00-18:00", "sat": ["10:00-12:00", "13:00-16:00"]}`."""
        if not isinstance(mapping, dict):
            raise HoursError(msg("hours.not_mapping"))
        parts = []
        try:
            for key, value in mapping.items():
                ranges = value if isinstance(value, list) else [value]
                # Keys hold only days and values only times, so `{mon: "tue 09:00-10:00"}` fails.
                if not isinstance(key, str) or re.search(r"\d", key):
                    raise HoursError(msg("hours.bad_key", key=str(key)))
                if not all(isinstance(r, str) and not re.search(r"[^\W\d_]", r) for r in ranges):
                    raise HoursError(msg("hours.bad_value", key=key, value=str(value)))
                parts.append(f"{key} {' '.join(ranges)}")
            return cls.parse(", ".join(parts))
        except HoursError as e:  # offsets would point into text the user never wrote
            raise HoursError(e.problem) from None

    def is_open_at(self, local: datetime | time, weekday: int) -> bool:
        """Whether the local time of day falls inside `weekday`'s hours (0 = Monday)."""
        return inside(self.days[weekday], local)

    def weekday_hours(self) -> Hours:
        """Hours of a normal weekday for make-up working days (调休): Monday's, else Tue..Fri's."""
        return next((h for h in self.days[:5] if h), ())

    def describe(self) -> str:
        """For people: en dashes, consecutive days with the same hours grouped."""
        runs = _groups(self.days, "–")
        return ", ".join(f"{k.title()} {_fmt(h, '–', ' and ')}" for k, h in runs) or "no service hours"

    def to_dsl(self) -> str:
        """Canonical DSL text; `parse(to_dsl())` gives back an equal value."""
        return ", ".join(f"{k} {_fmt(h)}" for k, h in _groups(self.days, "-"))

    def to_mapping(self) -> dict:
        """Canonical YAML mapping; one range is a string, several are a list."""
        return {k: _fmt(h) if len(h) == 1 else [_fmt((iv,)) for iv in h]
                for k, h in _groups(self.days, "-")}


@functools.lru_cache(maxsize=32)
def _china(year: int):
    import holidays  # lazy: importing it costs noticeable CLI start-up time
    # One year per object: looking up another year would grow the cached object in place.
    return holidays.China(years=year)


@dataclass(frozen=True)
class Calendar:
    """A public-holiday calendar: None (no holidays) or 'cn' (China, with make-up working days 调休).

    >>> cn = Calendar("cn")
    >>> cn.holiday_name(date(2026, 10, 1)), cn.is_makeup_workday(date(2026, 2, 14))
    ('National Day', True)
    """

    name: str | None

    def __post_init__(self):
        if self.name is not None and self.name not in CALENDARS:
            known = ", ".join(f"`{c}`" for c in CALENDARS)
            raise HoursError(msg("hours.unknown_calendar", name=str(self.name), known=known), 0, len(str(self.name)))

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name (substituted days off included), or None.

        The `holidays` package lists only the weekdays and named days of a
        break; a weekend day next to a holiday (through other weekend days) is
        part of the same break (e.g. Sunday 2026-10-04 in National Day week).

        >>> Calendar("cn").holiday_name(date(2026, 10, 4))
        'National Day'
        """
        if self.name != "cn":
            return None
        listed = _china(day.year).get(day)
        if listed is not None or day.weekday() < 5 or self.is_makeup_workday(day):
            return listed
        for step in (timedelta(days=-1), timedelta(days=1)):
            other = day + step
            while other.weekday() >= 5 and not self.is_makeup_workday(other):
                if (name := _china(other.year).get(other)) is not None:
                    return name
                other += step
            if (name := _china(other.year).get(other)) is not None:
                return name
        return None

    def is_holiday(self, day: date) -> bool:
        return self.holiday_name(day) is not None

    def is_day_off(self, day: date) -> bool:
        """A weekend day that is not a make-up working day, or a public holiday.

        >>> cn = Calendar("cn")
        >>> cn.is_day_off(date(2026, 2, 14)), cn.is_day_off(date(2026, 10, 1)), cn.is_day_off(date(2026, 11, 22))
        (False, True, True)
        """
        if self.is_holiday(day):
            return True
        return day.weekday() >= 5 and not self.is_makeup_workday(day)

    def is_makeup_workday(self, day: date) -> bool:
        """A weekend day worked to make up for a substituted day off."""
        return self.name == "cn" and day in _china(day.year).weekend_workdays


def is_open(hours: ServiceHours | None, calendar: Calendar, local: datetime) -> bool:
    """Whether `local`, already in the policy's time zone, is inside service hours.

    >>> h = ServiceHours.parse("mon-fri 09:00-18:00")
    >>> is_open(h, Calendar("cn"), datetime(2026, 10, 1, 10)), is_open(h, Calendar(None), datetime(2026, 10, 1, 10))
    (False, True)
    """
    return inside(day_hours(hours, calendar, local.date()), local)


def day_hours(hours: ServiceHours | None, calendar: Calendar, day: date) -> Hours:
    """The service hours of one local day: none on a holiday, a weekday's on a make-up working day,
    else the weekday's own (what `is_open` looks in; compiled policies keep it per day)."""
    if hours is None or calendar.is_holiday(day):
        return ()
    return hours.weekday_hours() if calendar.is_makeup_workday(day) else hours.days[day.weekday()]


def open_reason(hours: ServiceHours | None, calendar: Calendar, local: datetime) -> str:
    """A short phrase for traces saying why `is_open` answered as it did.

    >>> open_reason(ServiceHours.parse("mon-fri 09:00-18:00"), Calendar(None), datetime(2026, 3, 2, 8))
    'outside service hours Mon–Fri 09:00–18:00'
    """
    day = local.date()
    if hours is None or not any(hours.days):
        return "no service hours set"
    if calendar.is_holiday(day):
        return f"on a public holiday ({calendar.holiday_name(day)})"
    side = "inside" if is_open(hours, calendar, local) else "outside"
    if calendar.is_makeup_workday(day):
        today = hours.weekday_hours()
        shown = f"hours {_fmt(today, '–', ' and ')}" if today else "no weekday hours set"
        return f"{side} service hours on a make-up working day (调休), {shown}"
    return f"{side} service hours {hours.describe()}"
