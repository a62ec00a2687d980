"""Findings lint once missed (issue 11, item 8): the calendar and the clock known exactly where they can be.

Each case states what the reasoning lacked. Shadowed rules carry an example that the reference interpreter
decides by the earlier rule, and the finding's claim is checked against the calendar itself (`hours.py`).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import aftersale
from aftersale.backends.interpreter import Interpreter
from aftersale.events import parse_event
from aftersale.hours import Calendar
from aftersale.lint import lint_text


def _found(text: str) -> dict[tuple[str, str], object]:
    return {(d.name, d.rule): d for d in lint_text(text, "dsl", "missed.policy")}


def _decided_by(text: str, event: dict) -> str | None:
    tree = aftersale.compile(text).tree
    return Interpreter(tree).verdict(parse_event(event), False)[0].rule


HEADER = 'policy "p"\nservice hours mon-fri 09:00-18:00\nholidays cn\n'

CASES = [
    # holidays were an unknown function of the day in proofs: a rule for a holiday's date was only "conflicting"
    pytest.param(HEADER + "rule lost: escalate lost refunds on holidays\n"
                 "rule nd: when request.kind == refund_only and request.reason == lost\n"
                 "  and local_date(request.created_at) == 2026-10-01 then approve_refund\n",
                 "nd", "lost", id="holiday-date-after-holiday-rule"),
    # make-up working days were unknown too: a make-up Sunday at 20:00 is outside the weekday's hours
    pytest.param(HEADER + "rule off: auto-approve returns during off-hours\n"
                 "rule mk: when request.kind == return_refund and local_date(request.created_at) == 2026-09-20\n"
                 "  and local_time(request.created_at) >= 20:00 then approve_return\n",
                 "mk", "off", id="make-up-sunday-off-hours"),
    # the same in a zone other than China's, whose offsets were free in proofs
    pytest.param('policy "p"\ntimezone Europe/Berlin\nholidays cn\nrule hol: escalate requests on holidays\n'
                 "rule nd: when local_date(request.created_at) == 2026-10-01 then manual_review\n",
                 "nd", "hol", id="holiday-in-another-zone"),
]


@pytest.mark.parametrize("text,rule,by", CASES)
def test_a_rule_covered_through_the_calendar_is_shadowed(text, rule, by):
    found = _found(text)
    shadowed = found.get(("shadowed-rule", rule))
    assert shadowed is not None, sorted(found)
    assert shadowed.related == (by,)
    assert _decided_by(text, shadowed.example) == by


def test_the_calendar_days_the_cases_rely_on():
    cn = Calendar("cn")
    assert cn.is_holiday(date(2026, 10, 1))
    assert cn.is_makeup_workday(date(2026, 9, 20)) and date(2026, 9, 20).weekday() == 6


SKIPPED = ('policy "p"\ntimezone Europe/Berlin\n'
           "rule skipped: when local_date(request.created_at) == 2026-03-29\n"
           "  and local_time(request.created_at) >= 02:00 and local_time(request.created_at) < 03:00\n"
           "  then manual_review\n"
           "rule repeated: when local_date(request.created_at) == 2026-10-25\n"
           "  and local_time(request.created_at) >= 02:00 and local_time(request.created_at) < 03:00\n"
           "  then manual_review\n")


def test_the_skipped_hour_of_a_daylight_saving_change_never_happens():
    found = _found(SKIPPED)
    assert ("unsatisfiable-rule", "skipped") in found
    assert ("unsatisfiable-rule", "repeated") not in found  # the autumn hour happens twice, not never
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 29, 0, 0, tzinfo=ZoneInfo("UTC"))
    local = [(start + timedelta(minutes=m)).astimezone(berlin) for m in range(0, 6 * 60)]
    assert not [t for t in local if t.hour == 2]


def test_lowercased_text_never_equals_capitals():
    text = 'policy "p"\nrule abc: when lower(request.tracking.number) == "ABC" then manual_review\n' \
           'rule ok: when lower(request.tracking.number) == "abc" then manual_review\n'
    found = _found(text)
    assert ("unsatisfiable-rule", "abc") in found and ("unsatisfiable-rule", "ok") not in found


DAYS_OFF = HEADER + ("rule off: when is_day_off(request.created_at) then manual_review\n"
                     "rule nd: when local_date(request.created_at) == 2026-10-01 then manual_review\n"
                     "rule worked: when local_date(request.created_at) == 2026-09-20 and is_day_off(request.created_at)\n"
                     "  then manual_review\n")


def test_days_off_follow_the_calendar():
    found = _found(DAYS_OFF)
    assert ("shadowed-rule", "nd") in found  # National Day is a day off
    assert ("unsatisfiable-rule", "worked") in found  # a make-up Sunday is not
    assert _decided_by(DAYS_OFF, found[("shadowed-rule", "nd")].example) == "off"


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
def test_the_solver_clock_agrees_with_hours_py(zone):
    """The z3 encoding of days off and service hours against `hours.py`, at moments across a year."""
    import z3

    from aftersale.hours import ServiceHours, is_open
    from aftersale.lint.smt import V, Encoder
    from aftersale.lint.world import World

    tree = aftersale.compile(f'policy "p"\ntimezone {zone}\nservice hours mon-fri 09:00-18:00, sat 10:00-12:00\n'
                             "holidays cn\n").tree
    world = World.of(tree)
    cal, hours, tz = Calendar("cn"), ServiceHours.parse("mon-fri 09:00-18:00, sat 10:00-12:00"), ZoneInfo(zone)
    days = [date(2026, 1, 1) + timedelta(days=d) for d in range(0, 365, 9)]
    days += [date(2026, 10, 1), date(2026, 9, 20), date(2026, 2, 14), date(2026, 3, 29), date(2026, 10, 25)]
    moments = [datetime.combine(d, datetime.min.time(), tz) + timedelta(hours=h) for d in days for h in (2.5, 9.5, 11)]
    for moment in moments:
        enc = Encoder(world, "proof")
        ts = V(z3.IntVal(int(moment.timestamp())), z3.BoolVal(True), "ts")
        day, tod, wd, hol, mk = enc.clock(ts)
        solver = z3.Solver()
        solver.add(*enc.facts)
        assert solver.check() == z3.sat
        model = solver.model()
        local = moment.astimezone(tz)
        got = [z3.is_true(model.eval(x, model_completion=True)) for x in (enc.day_off(hol, mk, wd), enc.open_at(ts))]
        assert got == [cal.is_day_off(local.date()), is_open(hours, cal, local)], local
