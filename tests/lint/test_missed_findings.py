"""Findings lint once missed (issue 11, item 8): the calendar and the clock known exactly where they can be.

Each case states what the reasoning lacked. Shadowed rules carry an example that the reference interpreter
decides by the earlier rule, and the finding's claim is checked against the calendar itself (`hours.py`).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import aftersale
from aftersale.evaluator.interpreter import Interpreter
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
