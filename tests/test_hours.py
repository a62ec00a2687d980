"""Service hours: the DSL, its canonical forms, errors, and is_open with China's calendar."""
import subprocess
import sys
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from aftersale.hours import Calendar, HoursError, ServiceHours, is_open, open_reason

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHOP = ServiceHours.parse("mon-fri 09:00-18:00, sat 10:00-16:00")  # Sunday off
NO_CAL, CN = Calendar(None), Calendar("cn")


def at(y, mo, d, h=0, mi=0, s=0, us=0):
    return datetime(y, mo, d, h, mi, s, us, tzinfo=SHANGHAI)


def t(text):
    h, m = map(int, text.split(":"))
    return time.max if h == 24 else time(h, m)


# --- is_open ------------------------------------------------------------------

@pytest.mark.parametrize("spec, cal, local, expected", [
    # half-open [09:00, 18:00) on Monday 2026-03-02
    (SHOP, NO_CAL, at(2026, 3, 2, 9, 0), True),
    (SHOP, NO_CAL, at(2026, 3, 2, 8, 59), False),
    (SHOP, NO_CAL, at(2026, 3, 2, 8, 59, 59, 999999), False),
    (SHOP, NO_CAL, at(2026, 3, 2, 17, 59), True),
    (SHOP, NO_CAL, at(2026, 3, 2, 18, 0), False),
    # Saturday 2026-03-07 has its own hours, Sunday 2026-03-08 none
    (SHOP, NO_CAL, at(2026, 3, 7, 10, 0), True),
    (SHOP, NO_CAL, at(2026, 3, 7, 9, 30), False),
    (SHOP, NO_CAL, at(2026, 3, 7, 15, 59), True),
    (SHOP, NO_CAL, at(2026, 3, 7, 16, 0), False),
    (SHOP, NO_CAL, at(2026, 3, 8, 12, 0), False),
    (SHOP, CN, at(2026, 3, 8, 12, 0), False),
    # National Day 2026-10-01 is a Thursday: off with `cn`, a plain weekday without
    (SHOP, CN, at(2026, 10, 1, 10, 0), False),
    (SHOP, NO_CAL, at(2026, 10, 1, 10, 0), True),
    (SHOP, CN, at(2026, 10, 5, 10, 0), False),  # National Day (observed), a Monday
    (SHOP, CN, at(2026, 2, 20, 10, 0), False),  # Friday off, substituted from Sat 02-14
    (SHOP, CN, at(2026, 3, 2, 10, 0), True),  # an ordinary Monday is unaffected
    # make-up Saturday 2026-02-14 uses weekday hours 09:00-18:00, not Sat 10:00-16:00
    (SHOP, CN, at(2026, 2, 14, 9, 30), True),
    (SHOP, CN, at(2026, 2, 14, 17, 0), True),
    (SHOP, CN, at(2026, 2, 14, 18, 0), False),
    (SHOP, CN, at(2026, 2, 14, 8, 59), False),
    (SHOP, NO_CAL, at(2026, 2, 14, 9, 30), False),
    (SHOP, NO_CAL, at(2026, 2, 14, 17, 0), False),
    # make-up Sunday 2026-09-20: open although Sundays are off
    (SHOP, CN, at(2026, 9, 20, 10, 0), True),
    (SHOP, NO_CAL, at(2026, 9, 20, 10, 0), False),
    # no Monday hours: the first of Tue..Fri with hours is used
    (ServiceHours.parse("tue-fri 08:00-12:00, sat 10:00-16:00"), CN, at(2026, 2, 14, 8, 30), True),
    (ServiceHours.parse("tue-fri 08:00-12:00, sat 10:00-16:00"), CN, at(2026, 2, 14, 13, 0), False),
    # weekend-only shop: a make-up day has no weekday hours to borrow
    (ServiceHours.parse("sat-sun 10:00-16:00"), CN, at(2026, 2, 14, 11, 0), False),
    (ServiceHours.parse("sat-sun 10:00-16:00"), NO_CAL, at(2026, 2, 14, 11, 0), True),
    # no hours at all: never open
    (None, NO_CAL, at(2026, 3, 2, 10, 0), False),
    (None, CN, at(2026, 2, 14, 10, 0), False),
    # 24:00 covers the last instant of the day
    (ServiceHours.parse("daily 00:00-24:00"), NO_CAL, at(2026, 3, 2, 23, 59, 59, 999999), True),
    (ServiceHours.parse("daily 00:00-24:00"), NO_CAL, at(2026, 3, 2, 0, 0), True),
])
def test_is_open(spec, cal, local, expected):
    assert is_open(spec, cal, local) is expected


@pytest.mark.parametrize("local, weekday, expected", [
    (time(9, 0), 0, True), (time(8, 59), 0, False), (time(18, 0), 4, False),
    (time(12, 0), 6, False), (time(10, 0), 5, True), (time(16, 0), 5, False),
    (datetime(2026, 3, 2, 17, 59), 0, True), (at(2026, 3, 2, 18, 0), 0, False),
])
def test_is_open_at(local, weekday, expected):
    assert SHOP.is_open_at(local, weekday) is expected


@pytest.mark.parametrize("hours, cal, local, expected", [
    (SHOP, NO_CAL, at(2026, 3, 2, 10), "inside service hours Mon–Fri 09:00–18:00, Sat 10:00–16:00"),
    (SHOP, NO_CAL, at(2026, 3, 8, 10), "outside service hours Mon–Fri 09:00–18:00, Sat 10:00–16:00"),
    (SHOP, CN, at(2026, 10, 1, 10), "on a public holiday (National Day)"),
    (SHOP, CN, at(2026, 2, 20, 10), "on a public holiday (Day off (substituted from 02/14/2026))"),
    (SHOP, CN, at(2026, 2, 14, 17),
     "inside service hours on a make-up working day (调休), hours 09:00–18:00"),
    (SHOP, CN, at(2026, 2, 14, 19),
     "outside service hours on a make-up working day (调休), hours 09:00–18:00"),
    (ServiceHours.parse("sat 10:00-16:00"), CN, at(2026, 2, 14, 11),
     "outside service hours on a make-up working day (调休), no weekday hours set"),
    (None, CN, at(2026, 10, 1, 10), "no service hours set"),
])
def test_open_reason(hours, cal, local, expected):
    assert open_reason(hours, cal, local) == expected


# --- the calendar ---------------------------------------------------------------

@pytest.mark.parametrize("day, name", [
    (date(2026, 10, 1), "National Day"),
    (date(2026, 10, 5), "National Day (observed)"),
    (date(2026, 2, 20), "Day off (substituted from 02/14/2026)"),
    (date(2026, 1, 1), "New Year's Day"),
    (date(2025, 10, 1), "National Day"),
    (date(2026, 3, 2), None),
    (date(2026, 2, 14), None),  # a make-up working day is not a holiday
])
def test_holidays(day, name):
    assert CN.holiday_name(day) == name
    assert CN.is_holiday(day) is (name is not None)
    assert NO_CAL.holiday_name(day) is None and not NO_CAL.is_holiday(day)


@pytest.mark.parametrize("day, expected", [
    (date(2026, 1, 4), True), (date(2026, 2, 14), True), (date(2026, 2, 28), True),
    (date(2026, 9, 20), True), (date(2026, 10, 10), True), (date(2025, 9, 28), True),
    (date(2026, 2, 15), False), (date(2026, 3, 7), False), (date(2026, 10, 1), False),
])
def test_makeup_workdays(day, expected):
    assert CN.is_makeup_workday(day) is expected
    assert not NO_CAL.is_makeup_workday(day)


@pytest.mark.parametrize("name", ["us", "CN", "china", ""])
def test_unknown_calendar(name):
    with pytest.raises(HoursError) as e:
        Calendar(name)
    assert str(e.value) == f"unknown holiday calendar `{name}`, known: `cn`"
    assert (e.value.start, e.value.end) == (0, len(name))


def test_holidays_import_is_lazy():
    code = ("import sys, aftersale.hours as h; h.ServiceHours.parse('mon 09:00-10:00'); "
            "assert 'holidays' not in sys.modules; h.Calendar('cn'); assert 'holidays' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# --- parsing and the canonical forms ----------------------------------------

@pytest.mark.parametrize("spec, days", [
    ("mon-fri 09:00-18:00, sat 10:00-16:00",
     {d: [("09:00", "18:00")] for d in range(5)} | {5: [("10:00", "16:00")]}),
    ("mon-fri 09:00-12:00 13:30-18:00", {d: [("09:00", "12:00"), ("13:30", "18:00")] for d in range(5)}),
    ("sat,sun 10:00-16:00", {5: [("10:00", "16:00")], 6: [("10:00", "16:00")]}),
    ("sun 10:00-14:00", {6: [("10:00", "14:00")]}),
    ("daily 08:00-22:00", {d: [("08:00", "22:00")] for d in range(7)}),
    ("fri-mon 10:00-11:00", {d: [("10:00", "11:00")] for d in (4, 5, 6, 0)}),
    ("mon–fri 09:00–18:00", {d: [("09:00", "18:00")] for d in range(5)}),
    ("Mon - Wed 9:00 - 18:00", {d: [("09:00", "18:00")] for d in range(3)}),
    ("monday 00:00-24:00", {0: [("00:00", "24:00")]}),
    ("mon 13:00-14:00 09:00-12:00", {0: [("09:00", "12:00"), ("13:00", "14:00")]}),  # sorted
    ("mon 09:00-12:00 12:00-18:00", {0: [("09:00", "18:00")]}),  # touching ranges merge
    ("mon-fri 09:00-12:00, wed 14:00-16:00",
     {d: [("09:00", "12:00")] for d in range(5)} | {2: [("09:00", "12:00"), ("14:00", "16:00")]}),
])
def test_parse(spec, days):
    expected = tuple(tuple((t(a), t(b)) for a, b in days.get(d, [])) for d in range(7))
    assert ServiceHours.parse(spec).days == expected


@pytest.mark.parametrize("spec, dsl, described, mapping", [
    ("sat 10:00-16:00, mon-fri 09:00-18:00", "mon-fri 09:00-18:00, sat 10:00-16:00",
     "Mon–Fri 09:00–18:00, Sat 10:00–16:00", {"mon-fri": "09:00-18:00", "sat": "10:00-16:00"}),
    ("mon-fri 09:00-12:00 13:30-18:00", "mon-fri 09:00-12:00 13:30-18:00",
     "Mon–Fri 09:00–12:00 and 13:30–18:00", {"mon-fri": ["09:00-12:00", "13:30-18:00"]}),
    ("sat,sun 10:00-16:00", "sat-sun 10:00-16:00", "Sat–Sun 10:00–16:00", {"sat-sun": "10:00-16:00"}),
    ("mon-sun 08:00-22:00", "daily 08:00-22:00", "Daily 08:00–22:00", {"daily": "08:00-22:00"}),
    ("mon,wed 09:00-18:00", "mon 09:00-18:00, wed 09:00-18:00", "Mon 09:00–18:00, Wed 09:00–18:00",
     {"mon": "09:00-18:00", "wed": "09:00-18:00"}),
    ("fri-mon 10:00-24:00", "mon 10:00-24:00, fri-sun 10:00-24:00", "Mon 10:00–24:00, Fri–Sun 10:00–24:00",
     {"mon": "10:00-24:00", "fri-sun": "10:00-24:00"}),
])
def test_canonical_forms(spec, dsl, described, mapping):
    hours = ServiceHours.parse(spec)
    assert (hours.to_dsl(), hours.describe(), hours.to_mapping()) == (dsl, described, mapping)
    assert ServiceHours.parse(hours.to_dsl()) == hours
    assert ServiceHours.from_mapping(hours.to_mapping()) == hours


def test_describe_without_hours():
    assert ServiceHours(((),) * 7).describe() == "no service hours"


@pytest.mark.parametrize("mapping, spec", [
    ({"mon-fri": "09:00-18:00", "sat": "10:00-16:00"}, "mon-fri 09:00-18:00, sat 10:00-16:00"),
    ({"mon-fri": ["09:00-12:00", "13:30-18:00"]}, "mon-fri 09:00-12:00 13:30-18:00"),
    ({"sat,sun": "10:00-16:00", "daily": "07:00-08:00"}, "sat,sun 10:00-16:00, daily 07:00-08:00"),
])
def test_from_mapping(mapping, spec):
    assert ServiceHours.from_mapping(mapping) == ServiceHours.parse(spec)


@pytest.mark.parametrize("spec, expected", [
    ("mon-fri 09:00-18:00, sat 10:00-16:00", [("09:00", "18:00")]),
    ("tue-fri 08:00-12:00, mon 13:00-14:00", [("13:00", "14:00")]),
    ("wed 08:00-12:00, thu 09:00-10:00", [("08:00", "12:00")]),
    ("sat-sun 10:00-16:00", []),
])
def test_weekday_hours(spec, expected):
    assert ServiceHours.parse(spec).weekday_hours() == tuple((t(a), t(b)) for a, b in expected)


# --- errors: message and the offsets of the text that is wrong ------------------

OVERNIGHT = "overnight hours must be split per day, like `fri 18:00-24:00, sat 00:00-02:00`"


@pytest.mark.parametrize("spec, message, bad, start", [
    ("", "service hours are empty", "", 0),
    (" , ", "service hours are empty", " , ", 0),
    ("mnd 09:00-18:00", "unknown day `mnd`, did you mean `mon`?", "mnd", 0),
    ("mon-fir 09:00-18:00", "unknown day `fir`, did you mean `fri`?", "fir", 4),
    ("thrusday 09:00-18:00", "unknown day `thrusday`, did you mean `thu`?", "thrusday", 0),
    ("dayly 09:00-18:00", "unknown day `dayly`, did you mean `daily`?", "dayly", 0),
    ("xyz 09:00-18:00", "unknown day `xyz`, expected mon, tue, wed, thu, fri, sat, sun or daily", "xyz", 0),
    ("daily-fri 09:00-18:00", "day range `daily-fri` cannot use `daily`", "daily-fri", 0),
    ("mon 09:00-25:00", "`25:00` is not a time of day (hours 00-24, minutes 00-59)", "25:00", 10),
    ("mon 25:00-26:00", "`25:00` is not a time of day (hours 00-24, minutes 00-59)", "25:00", 4),
    ("mon 09:60-10:00", "`09:60` is not a time of day (hours 00-24, minutes 00-59)", "09:60", 4),
    ("mon 9h-18h", "`9h` is not a time of day (write HH:MM)", "9h", 4),
    ("mon 24:00-24:00", "a range cannot start at `24:00`", "24:00", 4),
    ("mon-fri 18:00-09:00", f"range `18:00-09:00` does not end after it starts; {OVERNIGHT}", "18:00-09:00", 8),
    ("mon 09:00-09:00", f"range `09:00-09:00` does not end after it starts; {OVERNIGHT}", "09:00-09:00", 4),
    ("mon-fri 09:00-18:00, fri 10:00-12:00",
     "hours for fri given twice: `10:00-12:00` overlaps `09:00-18:00`", "fri 10:00-12:00", 21),
    ("daily 09:00-18:00, sat 10:00-16:00",
     "hours for sat given twice: `10:00-16:00` overlaps `09:00-18:00`", "sat 10:00-16:00", 19),
    ("mon 09:00-12:00 11:00-13:00",
     "hours for mon given twice: `11:00-13:00` overlaps `09:00-12:00`", "mon 09:00-12:00 11:00-13:00", 0),
    ("09:00-18:00", "hours `09:00-18:00` have no days before them, like `mon-fri 09:00-18:00`", "09:00-18:00", 0),
    ("mon-fri 09:00-18:00, sat", "no hours given for `sat`, like `sat 09:00-18:00`", "sat", 21),
    ("mon 09:00", "expected days like `mon-fri` or hours like `09:00-18:00`, got `09:00`", "09:00", 4),
    ("mon-18:00", "expected days like `mon-fri` or hours like `09:00-18:00`, got `mon-18:00`", "mon-18:00", 0),
    ("mon 09:00-10:00 -", "unexpected `-`", "-", 16),
])
def test_parse_errors(spec, message, bad, start):
    with pytest.raises(HoursError) as e:
        ServiceHours.parse(spec)
    assert str(e.value) == e.value.message == message
    assert (e.value.start, e.value.end) == (start, start + len(bad))
    assert spec[e.value.start:e.value.end] == bad


@pytest.mark.parametrize("mapping, message", [
    ({}, "service hours are empty"),
    (["mon-fri 09:00-18:00"], "service hours must be a mapping like `{mon-fri: 09:00-18:00}`"),
    ({"mon": "tue 09:00-10:00"}, "hours for `mon` must be ranges like `09:00-18:00`, got `tue 09:00-10:00`"),
    ({"mon": 540}, "hours for `mon` must be ranges like `09:00-18:00`, got `540`"),  # YAML 1.1 reads 09:00 as 540
    ({"mon 09:00-10:00": "11:00-12:00"}, "`mon 09:00-10:00` is not a list of days like `mon-fri`"),
    ({1: "09:00-10:00"}, "`1` is not a list of days like `mon-fri`"),
    ({"mon": []}, "no hours given for `mon`, like `mon 09:00-18:00`"),
    ({"mnd": "09:00-10:00"}, "unknown day `mnd`, did you mean `mon`?"),
    ({"mon": "18:00-09:00"}, f"range `18:00-09:00` does not end after it starts; {OVERNIGHT}"),
    ({"mon-fri": "09:00-18:00", "fri": "10:00-11:00"},
     "hours for fri given twice: `10:00-11:00` overlaps `09:00-18:00`"),
])
def test_from_mapping_errors(mapping, message):
    with pytest.raises(HoursError) as e:
        ServiceHours.from_mapping(mapping)
    assert (str(e.value), e.value.start, e.value.end) == (message, 0, 0)
