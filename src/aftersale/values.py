"""Value types of the language and how values are written for people.

Money and numbers are `Decimal`, never float; timestamps are aware
`datetime`s; durations are `timedelta`; times of day are `time`.

>>> format_value(Decimal("129"), MONEY)
'¥129.00'
>>> format_duration(timedelta(hours=40, minutes=30))
'1d 16h 30m'
>>> parse_money("300元")
Decimal('300')
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from zoneinfo import ZoneInfo

from .limits import MAX_NUMBER_CHARS, MAX_YEAR, MIN_YEAR
from .locale import msg


class Type(str, Enum):
    MONEY = "money"
    NUMBER = "number"
    DURATION = "duration"
    TIMESTAMP = "timestamp"
    TIME = "time"
    DATE = "date"
    ENUM = "enum"
    BOOL = "bool"
    TEXT = "text"
    LIST = "list"
    ANY = "any"

    def __str__(self) -> str:
        return self.value


MONEY, NUMBER, DURATION, TIMESTAMP = Type.MONEY, Type.NUMBER, Type.DURATION, Type.TIMESTAMP
TIME, DATE, ENUM, BOOL, TEXT, LIST, ANY = Type.TIME, Type.DATE, Type.ENUM, Type.BOOL, Type.TEXT, Type.LIST, Type.ANY


class _Missing:
    """The value of an absent optional field: conditions on it are false."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

MONEY_RE = re.compile(r"^(?:¥\s*(?P<a>\d+(?:\.\d+)?)|(?P<b>\d+(?:\.\d+)?)\s*(?:CNY|元))$")
DURATION_RE = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")
MAX_DIGITS = MAX_NUMBER_CHARS  # the older name


def _too_long(what: str, text: str) -> ValueError:
    return ValueError(f"{what} `{text[:20]}…` has more than {MAX_NUMBER_CHARS} characters "
                      f"(a number has at most {MAX_NUMBER_CHARS})")


def parse_decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_CHARS:
        raise _too_long("number", text)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(msg("value.not_number", text=text)) from None


def parse_money(text: str) -> Decimal:
    """¥300, 300 CNY, 300元 → Decimal('300')."""
    m = MONEY_RE.match(text.strip())
    if not m:
        raise ValueError(msg("value.not_money", text=text))
    return parse_decimal(m.group("a") or m.group("b"))


def parse_duration(text: str) -> timedelta:
    """48h, 7d, 30m, 1d12h → timedelta."""
    if len(text) > MAX_NUMBER_CHARS:  # before int(), which refuses 4,300 digits with a Python message
        raise _too_long("duration", text)
    m = DURATION_RE.match(text)
    if not m or not text:
        raise ValueError(msg("value.not_duration", text=text))
    parts = {k: int(v) for k, v in m.groupdict().items() if v}
    if any(v > 10**6 for v in parts.values()):
        raise ValueError(msg("value.long_duration", text=text))
    return timedelta(days=parts.get("d", 0), hours=parts.get("h", 0), minutes=parts.get("m", 0))


def parse_time(text: str) -> time:
    """09:00 → time(9, 0); 24:00 is the end of the day, kept as time.max."""
    m = re.match(r"^(\d{1,2}):(\d{2})$", text)
    if not m:
        raise ValueError(msg("value.not_time", text=text))
    h, mi = int(m.group(1)), int(m.group(2))
    if (h, mi) == (24, 0):
        return time.max
    if h > 23 or mi > 59:
        raise ValueError(msg("value.bad_time", text=text))
    return time(h, mi)


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp with an offset; a naive one is an error."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise ValueError(msg("value.not_timestamp", text=text)) from None
    if value.tzinfo is None:
        raise ValueError(msg("value.no_offset", text=text))
    if not in_range(value):  # so that reading it in any time zone cannot overflow
        raise ValueError(msg("value.out_of_range", text=text, first=str(MIN_YEAR), last=str(MAX_YEAR)))
    return value


def in_range(value: datetime) -> bool:
    """Whether a timestamp is far enough from datetime's ends to be read in any time zone."""
    return MIN_YEAR <= value.year <= MAX_YEAR


def format_money(value: Decimal) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value).quantize(Decimal('0.01')):,}"


def format_duration(value: timedelta) -> str:
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    d, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    parts = [f"{n}{u}" for n, u in ((d, "d"), (h, "h"), (m, "m")) if n]
    return sign + (" ".join(parts) or "0m")


def format_time(value: time) -> str:
    return "24:00" if value == time.max else value.strftime("%H:%M")


def local(value: datetime, tz: ZoneInfo | None) -> datetime:
    return value.astimezone(tz) if tz is not None else value


def format_timestamp(value: datetime, tz: ZoneInfo | None = None, short: bool = False) -> str:
    """'Saturday 2026-11-21 22:14 Asia/Shanghai' (short: 'Saturday 22:14 Asia/Shanghai')."""
    lv = local(value, tz)
    zone = getattr(tz, "key", None) or lv.strftime("UTC%z")
    day = WEEKDAY_NAMES[lv.weekday()]
    if short:
        return f"{day} {lv:%H:%M} {zone}"
    return f"{day} {lv:%Y-%m-%d %H:%M} {zone}"


def format_number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def _format_span_or_day(value: timedelta | time | date) -> str:
    """Durations, times of day and dates read the same for people and in records: 40h, 09:00, 2026-10-01."""
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, time):
        return format_time(value)
    return value.isoformat()


def format_value(value, type_: Type, tz: ZoneInfo | None = None) -> str:
    """A value as people read it, by its type."""
    if value is MISSING:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if type_ is MONEY and isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, datetime):
        return format_timestamp(value, tz)
    if isinstance(value, (timedelta, time, date)):
        return _format_span_or_day(value)
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v, ANY, tz) for v in value) + "]"
    if isinstance(value, dict):
        return "{…}"
    return str(value)


def to_json_value(value):
    """A value as it is stored in a decision record (strings for money and time)."""
    if value is MISSING:
        return None
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (timedelta, time, date)):
        return _format_span_or_day(value)
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    return str(value)
