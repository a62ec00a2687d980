"""The synthetic history: reproducible, valid, and shaped like the domain says."""
from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner

from aftersale.cli import cli
from aftersale.events import parse_event
from aftersale.hours import Calendar
from aftersale.simulate.generate import day_weights, events

CST = timedelta(hours=8)


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    return [json.loads(line) for line in events(5000, seed=21)]


def local(ts: str) -> datetime:
    t = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return (t - t.utcoffset() + CST).replace(tzinfo=None)


def test_same_seed_same_bytes_other_seed_other_history(tmp_path):
    runner = CliRunner()
    a, b, c = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz", tmp_path / "c.jsonl.gz"
    for path, seed in ((a, "7"), (b, "7"), (c, "8")):
        result = runner.invoke(cli, ["generate", "-n", "300", "--seed", seed, "-o", str(path)])
        assert result.exit_code == 0, result.output
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert len(gzip.decompress(a.read_bytes()).decode().splitlines()) == 300
    stdout = runner.invoke(cli, ["generate", "-n", "300", "--seed", "7"]).output
    assert stdout.encode() == gzip.decompress(a.read_bytes())


def test_every_event_is_valid_and_ids_are_unique_and_in_time_order(sample):
    for e in sample:
        parse_event(e)
    assert len({e["id"] for e in sample}) == len(sample)
    times = [local(e["request"]["created_at"]) for e in sample]
    assert times == sorted(times)
    for e in sample:
        o, r = e["order"], e["request"]
        assert local(o["paid_at"]) < local(o["shipped_at"])
        if "delivered_at" in o:
            assert local(o["shipped_at"]) < local(o["delivered_at"]) <= local(r["created_at"])
        assert local(r["created_at"]) <= local(e["at"])
        assert Decimal(r["amount"]) <= Decimal(o["paid_amount"])


def test_kinds_reasons_and_risk_in_the_domain_s_proportions(sample):
    n = len(sample)
    reasons = Counter(e["request"]["reason"] for e in sample)
    kinds = Counter(e["request"]["kind"] for e in sample)
    risk = Counter(e["buyer"]["risk_level"] for e in sample)
    assert reasons.most_common(1)[0][0] == "no_reason_7d" and 0.25 < reasons["no_reason_7d"] / n < 0.45
    assert set(reasons) == {"no_reason_7d", "quality", "not_as_described", "wrong_item", "missing_parts",
                            "damaged", "lost", "late_delivery", "other"}
    assert kinds["return_refund"] > kinds["refund_only"] > kinds["exchange"] > 0
    assert 0.8 < risk["low"] / n < 0.92 and risk["high"] > 0
    lost = [e for e in sample if e["request"]["reason"] == "lost"]
    assert lost and all(e["request"]["kind"] == "refund_only" and "delivered_at" not in e["order"] for e in lost)
    perishable = [e for e in sample if e["order"]["items"][0]["category"] in ("food", "medicine")]
    no_reason = sum(e["request"]["reason"] == "no_reason_7d" for e in perishable) / len(perishable)
    assert no_reason < 0.12
    # no-reason returns come mostly within the 7-day window after delivery
    within = [local(e["request"]["created_at"]) - local(e["order"]["delivered_at"]) <= timedelta(days=7)
              for e in sample if e["request"]["reason"] == "no_reason_7d" and "delivered_at" in e["order"]]
    assert sum(within) / len(within) > 0.8


def test_states_carry_tracking_and_warehouse(sample):
    statuses = Counter(e["request"]["status"] for e in sample)
    assert statuses.most_common(1)[0][0] == "pending_merchant"
    for e in sample:
        r = e["request"]
        if r["status"] in ("return_in_transit", "returned"):
            assert "tracking" in r
        if r["status"] == "returned":
            assert r["warehouse"]["status"] in ("received", "inspected_ok", "inspected_failed")
    verified = Counter(e["request"]["tracking"]["verified"] for e in sample if "tracking" in e["request"])
    assert verified[True] > verified[False] > 0
    pending_long = [e for e in sample if e["request"]["status"] == "pending_merchant"
                    and local(e["at"]) - local(e["request"]["created_at"]) > timedelta(hours=40)]
    assert pending_long


def test_evenings_are_busy_nights_are_quiet_and_holidays_shape_the_days(sample):
    hours = Counter(local(e["request"]["created_at"]).hour for e in sample)
    assert hours[21] > 4 * hours[4]
    weights = dict(day_weights(datetime(2026, 9, 1).date(), 120))
    cal = Calendar("cn")
    national_day = datetime(2026, 10, 2).date()
    assert cal.is_holiday(national_day)
    assert weights[national_day] < weights[datetime(2026, 10, 9).date()]          # after the break: busier
    makeup = datetime(2026, 9, 20).date()                                        # a Sunday worked (调休)
    assert cal.is_makeup_workday(makeup) and weights[makeup] == pytest.approx(1.0)
    assert weights[datetime(2026, 11, 14).date()] > 1.8 * weights[datetime(2026, 11, 4).date()]  # Double 11 wave


def test_bad_lines_on_request():
    lines = list(events(2000, seed=3, bad_rate=0.05))
    bad = 0
    for line in lines:
        try:
            parse_event(json.loads(line))
        except Exception:  # noqa: BLE001 - any failure is a spoiled line
            bad += 1
    assert 50 < bad < 160
