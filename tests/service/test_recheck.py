"""Time: a stored decision whose recheck_at has come is decided again, once, with the clock driven by the test."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from aftersale import compile as compile_policy
from aftersale.decision.log import DecisionLog
from aftersale.events import parse_event
from aftersale.service import core

from .conftest import make_service

POLICY = """policy "Recheck"
timezone Asia/Shanghai
rule late: escalate requests pending for over 40h
"""
T0 = datetime(2026, 11, 21, 10, 0, tzinfo=timezone(timedelta(hours=8)))
LATE = timedelta(hours=40, microseconds=1)   # `over 40h` first holds one microsecond after 40h


def pending(event_id: str, at: datetime = T0) -> dict:
    return {"id": event_id, "platform": "douyin", "at": at.isoformat(),
            "request": {"kind": "refund_only", "reason": "lost", "amount": "12.00",
                        "created_at": T0.isoformat(), "status": "pending_merchant"},
            "order": {"paid_amount": "12.00"}}


def engine_has_recheck_at() -> bool:
    return hasattr(compile_policy(POLICY).decide(pending("probe")), "recheck_at")


@pytest.fixture
def recheck_engine(monkeypatch):
    """Until the engine computes `decision.recheck_at` (issue 12), stand in for it with this policy's one
    threshold: `pending for over 40h` turns true at created_at + 40h + 1µs. With the engine, nothing is patched."""
    if engine_has_recheck_at():
        return

    def stand_in(decision, event):
        due = datetime.fromisoformat(event["request"]["created_at"]) + LATE
        return due if decision.rule != "late" and datetime.fromisoformat(event["at"]) < due else None
    monkeypatch.setattr(core, "recheck_time", stand_in)


def decide(service, obj):
    return service.decide("s", obj, parse_event(obj), json.dumps(obj))[0]


def test_a_due_decision_is_decided_again_at_its_recheck_time_once(log, clock, recheck_engine):
    service = make_service(log, clock, "recheck.policy", POLICY)
    first = decide(service, pending("AS-1"))
    assert first["record"]["rule"] is None
    assert datetime.fromisoformat(first["recheck_at"]) == T0 + LATE
    assert service.recheck_due(now=T0 + timedelta(hours=39)) == 0
    clock.now = T0 + timedelta(hours=41)
    assert service.recheck_due() == 1
    newest, older = log.records("s", "AS-1")
    assert newest["trigger"] == "recheck" and newest["record"]["rule"] == "late"
    assert datetime.fromisoformat(newest["at"]) == T0 + LATE   # evaluated at recheck_at, not when it ran
    assert newest["recheck_at"] is None and older["decision_id"] == first["decision_id"]
    assert service.recheck_due() == 0
    assert len(log.records("s", "AS-1")) == 2


def test_a_later_event_supersedes_the_earlier_recheck(log, clock, recheck_engine):
    service = make_service(log, clock, "recheck.policy", POLICY)
    decide(service, pending("AS-1"))
    decide(service, pending("AS-1", T0 + timedelta(hours=10)))
    assert service.recheck_due(now=T0 + timedelta(hours=50)) == 1
    assert [r["trigger"] for r in log.records("s", "AS-1")] == ["recheck", "event", "event"]


def test_several_processes_recheck_each_due_record_once(log, db_url, clock, recheck_engine):
    services = [make_service(log, clock, "recheck.policy", POLICY)]
    services += [make_service(DecisionLog(db_url), clock, "recheck.policy", POLICY) for _ in range(2)]
    for n in range(20):
        decide(services[0], pending(f"AS-{n}"))
    later = T0 + timedelta(hours=41)
    done = []
    start = threading.Barrier(len(services))

    def run(service):
        start.wait()
        done.append(service.recheck_due(now=later, limit=7))   # small batches: the processes interleave
        while (n := service.recheck_due(now=later, limit=7)):
            done.append(n)

    threads = [threading.Thread(target=run, args=(s,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(done) == 20
    rechecks = [r for n in range(20) for r in log.records("s", f"AS-{n}") if r["trigger"] == "recheck"]
    assert len(rechecks) == 20 and {r["record"]["rule"] for r in rechecks} == {"late"}


@pytest.mark.skipif(not engine_has_recheck_at(), reason="the engine has no decision.recheck_at yet (issue 12)")
def test_the_engines_recheck_at_is_used_as_it_is(log, clock):
    service = make_service(log, clock, "recheck.policy", POLICY)
    first = decide(service, pending("AS-1"))
    assert datetime.fromisoformat(first["recheck_at"]) == T0 + LATE


def test_the_services_background_loop_makes_due_rechecks(log, clock, recheck_engine):
    import time

    from fastapi.testclient import TestClient

    from aftersale.service.app import create_app

    service = make_service(log, clock, "recheck.policy", POLICY)
    decide(service, pending("AS-1"))
    clock.now = T0 + timedelta(hours=41)
    with TestClient(create_app(service, recheck_every=0.01)):
        for _ in range(1000):   # bounded: at most ~10 s, usually one loop turn
            if len(log.records("s", "AS-1")) == 2:
                break
            time.sleep(0.01)
    assert [r["trigger"] for r in log.records("s", "AS-1")] == ["recheck", "event"]
    assert "aftersale_rechecks_total 1.0" in service.metrics.exposition().decode()
