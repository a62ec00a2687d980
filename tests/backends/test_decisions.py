"""Decisions are values: immutable, made from what the event was when decided, picklable and
deep-copyable (with the compiled policies that make them), and `recheck_at` is exact on every path.
"""
from __future__ import annotations

import copy
import json
import multiprocessing
import pickle
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aftersale
from aftersale.backends import BACKENDS
from aftersale.backends.compiled import CompiledPolicy
from aftersale.decision.decision import Decision

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench import workload  # noqa: E402

TEA = aftersale.load(ROOT / "policies" / "tea-house.policy")
PUBLIC = ("event_id", "at", "action", "rule", "guards", "forbidden_by", "forbidden_action", "decided_by",
          "recheck_at", "trace")


def an_event() -> dict:
    e = workload.generate(1, seed=4)[0]
    e["order"]["items"] = [{"sku": "A1", "category": "tea", "price": "10.00", "quantity": 1, "tags": []}]
    e["request"].update(status="pending_merchant", kind="return_refund", reason="no_reason_7d")
    return e


def summary(d: Decision) -> tuple:
    return tuple(getattr(d, name) for name in PUBLIC if name != "trace") + (json.dumps(d.to_json(), sort_keys=True),)


# -- immutable, and made from the event as it was ------------------------------------------------

@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_decision_cannot_be_changed(backend):
    d = BACKENDS[backend](TEA.tree).decide(an_event(), trace=True)
    for name in PUBLIC:
        with pytest.raises(AttributeError):
            setattr(d, name, None)
    with pytest.raises(AttributeError):
        d.anything = 1  # no __dict__: nothing can be added either


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("trace", [False, True])
def test_changing_the_event_after_decide_changes_nothing(backend, trace):
    prepared = BACKENDS[backend](TEA.tree)
    event = an_event()
    pristine = copy.deepcopy(event)
    d = prepared.decide(event, trace=trace)
    event["id"] = "CHANGED"
    event["at"] = "2030-01-01T00:00:00+00:00"
    event["request"]["amount"] = "1.00"
    event["request"]["status"] = "closed"
    event["order"]["items"][0]["category"] = "food"
    event["order"]["items"].append({"sku": "Z"})
    assert summary(d) == summary(prepared.decide(pristine, trace=trace))
    assert d.event_id == pristine["id"] and d.at == datetime.fromisoformat(pristine["at"])


# -- pickling and copying ----------------------------------------------------------------------------

def decide_elsewhere(policy, compiled, event, decisions):
    """Runs in a worker process: the unpickled policies decide, the unpickled decisions still render."""
    made = [policy.decide(event, trace=False), policy.decide(event), compiled.decide(event, False),
            compiled.decide(event, True)]
    return [summary(d) for d in made], [summary(d) for d in decisions], made


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_policies_and_decisions_pickle_before_and_after_use(method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    event = an_event()
    fresh = aftersale.load(ROOT / "policies" / "tea-house.policy")
    compiled = CompiledPolicy(fresh.tree)
    pickle.dumps((fresh, compiled))  # before any use
    used = aftersale.load(ROOT / "policies" / "tea-house.policy")
    decisions = [used.decide(event, trace=False), used.decide(event), compiled.decide(event, True),
                 compiled.decide(event, False)]
    decisions[1].trace  # noqa: B018 - the trace built, then pickled
    want = [summary(d) for d in decisions]
    with multiprocessing.get_context(method).Pool(1) as pool:
        made, returned, objects = pool.apply(decide_elsewhere, (used, compiled, event, decisions))
    assert returned == want
    assert made == [want[0], want[1], want[3], want[2]]
    assert [summary(d) for d in objects] == made  # decisions made elsewhere come back whole


def test_deepcopy_of_used_policies_and_decisions():
    event = an_event()
    policy = aftersale.load(ROOT / "policies" / "tea-house.policy")
    decisions = [policy.decide(event, trace=False), policy.decide(event)]
    copied = copy.deepcopy(policy)
    assert [summary(copied.decide(event, trace=False)), summary(copied.decide(event))] == \
        [summary(d) for d in decisions]
    assert [summary(copy.deepcopy(d)) for d in decisions] == [summary(d) for d in decisions]
    compiled = CompiledPolicy(policy.tree)
    compiled.decide(event)
    assert summary(copy.deepcopy(compiled).decide(event, False)) == summary(decisions[0])


# -- recheck_at is exact ----------------------------------------------------------------------------

CLOCKED = [aftersale.compile(text) for text in (
    'policy "stale"\ntimezone Asia/Shanghai\nservice hours mon-fri 09:00-18:00\nholidays cn\n'
    "rule no-risky: never auto-approve requests from high-risk buyers\n"
    "rule off-hours: auto-approve no-reason returns under ¥300 during off-hours\n"
    "rule stale: escalate requests pending for over 40h\n",
    'policy "clock"\ntimezone Asia/Shanghai\nservice hours mon-fri 09:00-18:00, sat 10:00-16:00\nholidays cn\n'
    "rule late:\n  when age(request.created_at) > 3d and request.kind == return_refund\n  then approve_return\n"
    "rule busy:\n  when in_service_hours(at) and not is_day_off(at)\n  then reject\n"
    "rule guard: never auto-refund requests where age(order.paid_at) between 10d and 20d\n"
    "rule refund:\n  when local_time(at) >= 20:00 or at - request.created_at < 2h\n  then approve_refund\n",
)]


def decided_at(prepared, event: dict, moment: datetime) -> tuple:
    moved = copy.deepcopy(event)
    moved["at"] = moment.isoformat()
    d = prepared.decide(moved, trace=False)
    return d.action, d.rule, d.forbidden_by


@settings(max_examples=40, deadline=None)
@given(st.integers(0, len(CLOCKED) - 1), st.integers(0, 10 ** 6), st.integers(0, 6 * 86400),
       st.sampled_from(["pending_merchant", "awaiting_return", "return_in_transit", "returned"]))
def test_recheck_at_is_the_first_moment_the_decision_changes(which, seed, waited, status):
    prepared = CompiledPolicy(CLOCKED[which].tree, strict=True)
    event = workload.generate(1, seed=seed)[0]
    event["request"]["status"] = status
    created = datetime.fromisoformat(event["request"]["created_at"])
    event["at"] = (created + timedelta(seconds=waited)).isoformat()
    d = prepared.decide(event, trace=False)
    assert d.recheck_at == prepared.decide(event, trace=True).recheck_at
    assert d.recheck_at == BACKENDS["interpreter"](CLOCKED[which].tree).decide(event).recheck_at
    now = (d.action, d.rule, d.forbidden_by)
    rnd = random.Random(seed)
    if d.recheck_at is None:
        for later in (timedelta(hours=1), timedelta(days=3), timedelta(days=400)):
            assert decided_at(prepared, event, d.at + later) == now
        return
    assert d.recheck_at > d.at
    span = (d.recheck_at - d.at) // timedelta(microseconds=1)
    between = [d.at + timedelta(microseconds=rnd.randrange(1, span)) for _ in range(3)] if span > 1 else []
    for moment in between + [d.recheck_at - timedelta(microseconds=1)]:
        if moment > d.at:
            assert decided_at(prepared, event, moment) == now, moment
    assert decided_at(prepared, event, d.recheck_at) != now


@pytest.mark.parametrize("backend", ["interpreter", "compiled"])  # the Python backends trace; SQL gives no trace
def test_a_record_says_which_rules_did_not_apply(backend):
    """A rule whose action does not apply to the request is in the trace, not evaluated, marked `applies: false`."""
    event = an_event()
    event["request"]["status"] = "return_in_transit"  # approve_return applies only to pending requests
    record = BACKENDS[backend](TEA.tree).decide(event, trace=True).to_json()
    entries = {e["rule"]: e for e in record["trace"]}
    assert entries["off-hours"]["applies"] is False and entries["off-hours"]["condition"]["skipped"] is True
    assert "applies" not in entries["no-risky"]  # guards always apply
    pending = BACKENDS[backend](TEA.tree).decide(an_event(), trace=True).to_json()
    assert all("applies" not in e for e in pending["trace"])


@pytest.mark.parametrize("trace", [False, True])
def test_json_text_is_decided_like_its_object(trace):
    """`decide` takes the event's JSON text (str or bytes): decoded and validated in C, the same decision
    as from the dict; bad text is the reader's error, never a traceback."""
    import json as _json

    from aftersale import AftersaleError

    for path in sorted((ROOT / "policies" / "events").glob("AS-*.json")):
        text = path.read_text(encoding="utf-8")
        want = TEA.decide(_json.loads(text), trace=trace)
        for data in (text, text.encode("utf-8")):
            got = TEA.decide(data, trace=trace)
            assert (got.event_id, got.at, got.action, got.rule, got.guards, got.forbidden_by, got.recheck_at) == \
                (want.event_id, want.at, want.action, want.rule, want.guards, want.forbidden_by, want.recheck_at)
    with pytest.raises(AftersaleError):
        TEA.decide('{"id": "X", "id": "Y"}', trace=trace)


# -- recheck_at is worked out when read, from the event as it was ---------------------------------

WAITING = aftersale.compile('policy "w"\ntimezone Asia/Shanghai\nrule late: escalate requests pending for over 40h\n'
                            'otherwise approve_refund\n')


@pytest.mark.parametrize("parsed", [False, True])
def test_recheck_at_is_captured_when_decided_and_worked_out_when_read(parsed):
    from aftersale.events import parse_event

    event = an_event()
    event["request"]["created_at"] = "2026-11-20T10:00:00+08:00"
    event["at"] = "2026-11-20T12:00:00+08:00"
    backend = CompiledPolicy(WAITING.tree, strict=True)
    d = backend.decide(parse_event(event) if parsed else event, trace=False)
    assert d.rule is None  # not yet 40h
    event["request"]["created_at"] = "2026-11-01T10:00:00+08:00"  # after deciding: changes nothing
    want = datetime.fromisoformat("2026-11-22T02:00:00.000001+08:00")  # 40h and a microsecond after creation
    assert d.recheck_at == want
    assert pickle.loads(pickle.dumps(d)).recheck_at == want
    reference = BACKENDS["interpreter"](WAITING.tree).decide(copy.deepcopy(event) | {"request": {
        **event["request"], "created_at": "2026-11-20T10:00:00+08:00"}}, trace=False)
    assert reference.recheck_at == want
