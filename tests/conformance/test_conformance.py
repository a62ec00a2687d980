"""The conformance suite: one table (cases.yaml), every backend.

Each backend decides each case's event with each case's policy and must give
the expected action, rule, forbidding guard and `recheck_at`. A new backend
is added to `BACKENDS` and passes the same table.
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

import aftersale
from aftersale.backends import BACKENDS
from aftersale.runner.casefile import apply_overrides

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
BASE = json.loads((ROOT / "policies" / "events" / "base-douyin.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def table() -> dict:
    return yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))


def cases():
    out = []
    for n, case in enumerate(table()["cases"]):
        out.append(pytest.param(case, id=f"{n}:{case['note'][:60]}"))
    return out


@lru_cache(maxsize=None)
def policy(source: str) -> aftersale.Policy:
    text = table()["policies"].get(source, source)
    return aftersale.compile(text, filename=str(HERE / "cases.policy"))  # named lists: files next to the table


@lru_cache(maxsize=None)
def prepared(backend: str, source: str):
    """The policy prepared for a backend once per run (DuckDB's query, the generated code): each backend
    decides many events with one prepared policy, as the CLI and the service do."""
    return BACKENDS[backend](policy(source).tree)


def instant(text: str | None):
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("case", cases())
def test_conformance(backend, case):
    event = apply_overrides(BASE, case.get("set") or {}, HERE / "cases.yaml", 0)
    want = case["want"]
    for trace in (False, True):
        d = prepared(backend, case["policy"]).decide(event, trace=trace)
        got = {"action": d.action, "rule": d.rule, "forbidden_by": d.forbidden_by, "recheck_at": d.recheck_at}
        assert got == {**want, "recheck_at": instant(want["recheck_at"])}, f"{backend} trace={trace}"


def test_every_action_and_closed_status_is_covered():
    """The table exercises every action and every closed status (so a backend cannot skip one)."""
    seen_actions = {c["want"]["action"] for c in table()["cases"]}
    assert {"approve_return", "approve_refund", "express_refund", "extend_receipt", "reject", "manual_review",
            "no_action"} <= seen_actions
    statuses = {(c.get("set") or {}).get("request.status", "pending_merchant") for c in table()["cases"]}
    assert {"refunded", "rejected", "closed", "returned", "return_in_transit", "awaiting_return"} <= statuses
